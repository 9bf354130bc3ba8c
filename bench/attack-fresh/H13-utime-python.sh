# tactic: stealth
python3 -c 'import os; open("/tmp/t", "w").close(); os.utime("/tmp/t", (0, 0))'
