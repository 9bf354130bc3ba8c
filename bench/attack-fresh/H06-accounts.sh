# tactic: discovery
getent passwd | cut -d: -f1 >/dev/null; lastlog 2>/dev/null | head -3; awk -F: '$3>=1000' /etc/passwd; true
