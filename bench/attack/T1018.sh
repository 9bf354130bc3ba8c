# tactic: discovery
# ping sweep of the neighbouring hosts (the sandbox network namespace only)
for i in 1 2 3 4 5 6; do ping -c 1 -W 1 10.9.9.$i >/dev/null 2>&1; done; true
