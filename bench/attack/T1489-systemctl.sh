# tactic: impact
# stop and disable the cron service
systemctl stop cron 2>/dev/null; systemctl disable cron 2>/dev/null; true
