# tactic: defense-impairment
# start a shell with a history of size zero
export HISTFILESIZE=0; bash -c true
