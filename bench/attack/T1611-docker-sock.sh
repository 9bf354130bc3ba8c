# tactic: privilege-escalation
# talk to the container runtime's socket
python3 -c "import socket; s=socket.socket(socket.AF_UNIX)
try: s.connect('/var/run/docker.sock')
except OSError: pass"
