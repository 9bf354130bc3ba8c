# tactic: defense-evasion
# clear the shell history with truncate
touch $HOME/.bash_history 2>/dev/null
truncate -s 0 $HOME/.bash_history
