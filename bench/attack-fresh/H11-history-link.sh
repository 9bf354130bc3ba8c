# tactic: defense-impairment
ln -sf /dev/null ~/.bash_history; true
