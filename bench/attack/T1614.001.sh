# tactic: discovery
# the system language and time zone, to pick or spare a target
locale; localectl status 2>/dev/null; timedatectl 2>/dev/null; cat /etc/timezone /etc/default/locale 2>/dev/null; true
