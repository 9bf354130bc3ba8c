# tactic: impact
# delete file system snapshots
btrfs subvolume delete /.snapshots/1/snapshot 2>/dev/null; lvremove -f /dev/vg0/snap 2>/dev/null; true
