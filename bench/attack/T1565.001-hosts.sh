# tactic: impact
# redirect a name by editing /etc/hosts
echo "10.9.9.9 updates.example.com" >> /etc/hosts 2>/dev/null; true
