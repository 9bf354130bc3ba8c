# tactic: credential-access
# pack the SSH keys of the user
mkdir -p $HOME/.ssh; echo k > $HOME/.ssh/id_rsa; tar czf $HOME/.k.tgz $HOME/.ssh/id_rsa 2>/dev/null
