# tactic: defense-impairment
LD_LIBRARY_PATH=/dev/shm ls >/dev/null; true
