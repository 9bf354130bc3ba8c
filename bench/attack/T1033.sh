# tactic: discovery
# who am I and who else is here
whoami; id; groups; who; w; last -n 3 2>/dev/null; true
