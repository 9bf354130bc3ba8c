# tactic: impact
# a miner connects to a mining pool port (the sandbox network namespace only)
python3 -c "import socket; s=socket.socket(); s.settimeout(1)
try: s.connect((\"10.9.9.9\", 14444))
except OSError: pass"
