# tactic: credential-access
# capture traffic with tcpdump
tcpdump -c 1 -i any 2>/dev/null; true
