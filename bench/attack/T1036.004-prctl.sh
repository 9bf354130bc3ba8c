# tactic: stealth
# rename the process to a kernel thread with prctl
python3 -c "import ctypes; ctypes.CDLL(None).prctl(15, b'kworker/1:1', 0, 0, 0)"
