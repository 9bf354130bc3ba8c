# tactic: defense-impairment
# load a kernel module with the system call
python3 -c "import ctypes,os
fd=os.open('/dev/null', os.O_RDONLY)
ctypes.CDLL(None).syscall(313, fd, b'', 0)"
