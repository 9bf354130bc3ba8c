# tactic: impact
# power off through systemctl
systemctl poweroff 2>/dev/null; true
