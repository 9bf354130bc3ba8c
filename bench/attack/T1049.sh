# tactic: discovery
# open connections and logged-in users
ss -tunap; netstat -antp 2>/dev/null; lsof -i 2>/dev/null; cat /proc/net/tcp; who; w; true
