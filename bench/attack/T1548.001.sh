# tactic: privilege-escalation
# look for setuid programs
find / -xdev -perm -4000 -type f 2>/dev/null >/dev/null; true
