# tactic: discovery
uname -srm; cat /proc/version; lscpu | head -3; cat /etc/issue /etc/os-release >/dev/null; hostnamectl 2>/dev/null; true
