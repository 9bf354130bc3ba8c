# tactic: defense-impairment
# load a kernel module from a temporary folder
insmod /tmp/rk.ko 2>/dev/null; true
