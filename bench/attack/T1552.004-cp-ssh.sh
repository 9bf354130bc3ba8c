# tactic: credential-access
# copy the SSH folder away
mkdir -p $HOME/.ssh; echo k > $HOME/.ssh/id_ed25519; cp -r $HOME/.ssh /tmp/.k
