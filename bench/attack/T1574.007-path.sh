# tactic: persistence
# put a temporary folder first in PATH to hijack a command
mkdir -p /tmp/.b; printf "#!/bin/sh\nexit 0\n" > /tmp/.b/ls; chmod +x /tmp/.b/ls
PATH=/tmp/.b:$PATH sh -c 'ls >/dev/null'
