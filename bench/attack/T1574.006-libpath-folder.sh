# tactic: defense-evasion
# LD_LIBRARY_PATH naming a temporary folder itself, no trailing slash
LD_LIBRARY_PATH=/dev/shm ls >/dev/null; true
