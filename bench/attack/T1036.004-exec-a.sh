# tactic: stealth
# run a program under a kernel-thread name
bash -c 'exec -a "[kworker/0:2]" true'
