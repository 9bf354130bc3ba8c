# tactic: credential-access
# copy the password and hash files for offline cracking
cp /etc/passwd /etc/shadow $HOME/ 2>/dev/null; true
