# tactic: credential-access
# open a packet socket to sniff traffic
python3 -c "import socket
try: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 3)
except OSError: pass"
