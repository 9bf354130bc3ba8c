# tactic: privilege-escalation
curl -s -m 1 --unix-socket /var/run/docker.sock http://localhost/containers/json 2>/dev/null; true
