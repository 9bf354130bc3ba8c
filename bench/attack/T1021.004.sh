# tactic: lateral-movement
# log in to another host without host key checks (the sandbox network namespace only)
ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=1 -o BatchMode=yes root@10.9.9.9 id 2>/dev/null; true
