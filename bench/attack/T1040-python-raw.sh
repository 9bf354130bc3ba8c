# tactic: credential-access
# open a raw IP socket to read traffic
python3 -c "import socket
try: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
except OSError: pass"
