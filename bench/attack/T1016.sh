# tactic: discovery
# network configuration
ip addr; ip route; ifconfig -a; arp -an; cat /etc/resolv.conf /etc/hosts; hostname -I; true
