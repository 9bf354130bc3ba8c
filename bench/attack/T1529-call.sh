# tactic: impact
# call reboot directly
python3 -c "import ctypes; ctypes.CDLL(None).syscall(169, 0xfee1dead, 672274793, 0x4321fedc)"
