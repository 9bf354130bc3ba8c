# tactic: command-and-control
# reach a controller on a backdoor port (the sandbox network namespace only)
python3 -c "import socket; s=socket.socket(); s.settimeout(1)
try: s.connect((\"10.9.9.9\", 4444))
except OSError: pass"
