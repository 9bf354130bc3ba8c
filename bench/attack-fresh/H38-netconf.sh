# tactic: discovery
cat /proc/net/route /proc/net/arp; cat /etc/network/interfaces 2>/dev/null; ip -br link; ss -lnt; true
