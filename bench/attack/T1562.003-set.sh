# tactic: defense-impairment
# turn history off inside the shell
bash -c 'set +o history; unset HISTFILE; id >/dev/null'
