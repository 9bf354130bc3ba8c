# tactic: execution
# find starts a shell through -exec
find /etc/hostname -exec /bin/sh -c id \; >/dev/null
