# tactic: command-and-control
# a raw ICMP socket from Python
python3 -c "import socket
try: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
except OSError: pass"
