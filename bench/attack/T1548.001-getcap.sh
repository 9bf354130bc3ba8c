# tactic: privilege-escalation
# look for files with capabilities
getcap -r / 2>/dev/null >/dev/null; true
