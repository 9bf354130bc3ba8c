# tactic: impact
# reboot the machine
reboot 2>/dev/null; shutdown -h now 2>/dev/null; true
