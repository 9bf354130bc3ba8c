# tactic: credential-access
grep -riE "passw(or)?d\s*=" /home /root /etc 2>/dev/null | head -5; true
