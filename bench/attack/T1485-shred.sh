# tactic: impact
# destroy a set of files beyond recovery with shred
d=$(mktemp -d); for i in 1 2 3 4 5; do echo data$i > $d/f$i; done
shred -u -z -n 1 $d/f*
