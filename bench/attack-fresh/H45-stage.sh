# tactic: collection
mkdir -p /tmp/.stage && cp /etc/passwd /etc/group /tmp/.stage/ 2>/dev/null; true
