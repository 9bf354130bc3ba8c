# tactic: stealth
# attach to another process with ptrace
sleep 5 & p=$!
python3 -c "import ctypes,sys; ctypes.CDLL(None).ptrace(16, int(sys.argv[1]), 0, 0)" $p
kill $p
