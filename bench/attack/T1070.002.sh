# tactic: defense-evasion
# clear a system log with truncate
truncate -s 0 /var/log/syslog 2>/dev/null; true
