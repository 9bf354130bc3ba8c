# tactic: defense-impairment
# a dropped tool deletes itself after its run
d=$(mktemp -d); printf '#!/bin/sh\nrm -f "$0"\n' > $d/t; chmod +x $d/t; $d/t
