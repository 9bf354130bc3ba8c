# tactic: defense-impairment
# hide the following commands from the history
bash -c 'export HISTCONTROL=ignoreboth; export HISTIGNORE="*"; id >/dev/null'
