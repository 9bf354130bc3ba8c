# tactic: discovery
# scan the ports of a host (loopback)
python3 -c "import socket
for p in range(20, 50):
    s = socket.socket(); s.settimeout(0.2); s.connect_ex((\"127.0.0.1\", p)); s.close()"
