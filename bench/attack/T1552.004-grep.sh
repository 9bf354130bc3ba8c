# tactic: credential-access
# search files for private key headers
grep -rl "BEGIN RSA PRIVATE KEY" /etc /home 2>/dev/null; true
