# tactic: impact
# lock a user's password
passwd -l root 2>/dev/null; usermod -L root 2>/dev/null; true
