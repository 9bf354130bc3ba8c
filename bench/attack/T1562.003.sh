# tactic: defense-evasion
# start a shell that keeps no history
HISTFILE=/dev/null HISTSIZE=0 bash -c true
