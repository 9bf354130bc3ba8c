# tactic: credential-access
cat ~/.git-credentials ~/.docker/config.json ~/.pgpass 2>/dev/null; true
