# tactic: discovery
# the password policy
grep -E "^PASS_(MAX|MIN)" /etc/login.defs; cat /etc/pam.d/common-password 2>/dev/null; chage -l root 2>/dev/null; true
