# tactic: privilege-escalation
# map itself to root in a new user namespace
unshare -r -m sh -c id >/dev/null 2>&1; true
