# tactic: defense-impairment
# set the clock back
date -s "2015-01-01 00:00:00" >/dev/null 2>&1; true
