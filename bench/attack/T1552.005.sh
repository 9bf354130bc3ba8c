# tactic: credential-access
# ask the cloud metadata service for credentials (the sandbox network namespace only)
python3 -c "import socket; s=socket.socket(); s.settimeout(1)
try: s.connect((\"169.254.169.254\", 80))
except OSError: pass"
