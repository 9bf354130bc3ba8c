# tactic: credential-access
# read the password hashes
cat /etc/shadow 2>/dev/null; true
