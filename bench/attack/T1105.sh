# tactic: command-and-control
# fetch a tool, make it executable and run it
printf "#!/bin/sh\necho ok\n" > /tmp/.tool
chmod +x /tmp/.tool
/tmp/.tool
