# tactic: discovery
date; timedatectl 2>/dev/null; cat /etc/timezone 2>/dev/null; true
