# tactic: command-and-control
# a SOCKS proxy through ssh -D (the sandbox network namespace only)
ssh -N -o ConnectTimeout=1 -o BatchMode=yes -D 1080 u@10.9.9.9 2>/dev/null; true
