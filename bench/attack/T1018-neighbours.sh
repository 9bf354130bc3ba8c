# tactic: discovery
# remote systems this host knows of
arp -a; ip neigh; cat /proc/net/arp; getent hosts; cat /etc/hosts; true
