# tactic: command-and-control
# beacon posing as a browser (the sandbox network namespace only)
curl -s -m 1 -A "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" http://10.9.9.9/beacon 2>/dev/null; true
