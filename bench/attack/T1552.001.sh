# tactic: credential-access
# search the disk for private keys and passwords by name and content
find / -maxdepth 4 -name id_rsa 2>/dev/null
grep -rs password /etc/ssh >/dev/null
true
