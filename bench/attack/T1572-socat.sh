# tactic: command-and-control
# relay a port with socat
timeout 1 socat TCP-LISTEN:9999,fork TCP:10.9.9.9:22 2>/dev/null; true
