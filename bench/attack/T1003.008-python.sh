# tactic: credential-access
# read the password hashes from Python
python3 -c "
try: open('/etc/shadow').read()
except OSError: pass"
