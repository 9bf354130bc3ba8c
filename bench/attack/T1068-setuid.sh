# tactic: privilege-escalation
# ask for root with setuid(0)
python3 -c "import os
try: os.setuid(0)
except OSError: pass"
