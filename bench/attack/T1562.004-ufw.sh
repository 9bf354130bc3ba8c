# tactic: defense-impairment
# turn the ufw firewall off
ufw disable 2>/dev/null; true
