# tactic: discovery
# list the processes several ways
ps aux >/dev/null; ps -ef | head -3; pstree -p 2>/dev/null | head -3; pgrep -a sh; top -bn1 | head -5; lsof -n 2>/dev/null | head -3; true
