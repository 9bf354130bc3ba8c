# tactic: impact
# reboot at once through the magic SysRq key
echo b > /proc/sysrq-trigger 2>/dev/null; true
