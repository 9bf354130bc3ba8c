# tactic: discovery
# list the local accounts, the privileged ones and their last logins
cat /etc/passwd | cut -d: -f1; getent passwd | awk -F: '$3 == 0'; cat /etc/group >/dev/null; cat /etc/sudoers 2>/dev/null; lastlog 2>/dev/null | head -5; id; true
