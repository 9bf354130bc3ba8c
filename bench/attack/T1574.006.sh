# tactic: defense-evasion
# preload a library from a writable folder into a program
LD_PRELOAD=/tmp/.l.so ls / >/dev/null 2>&1; true
