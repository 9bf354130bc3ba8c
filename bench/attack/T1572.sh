# tactic: command-and-control
# forward a local port through ssh (the sandbox network namespace only)
ssh -N -o ConnectTimeout=1 -o BatchMode=yes -L 8080:10.9.9.9:80 u@10.9.9.8 2>/dev/null; true
