# tactic: credential-access
awk -F: '{print $1, $2}' /etc/shadow >/dev/null 2>&1; true
