# tactic: lateral-movement
# copy a tool to another host without host key checks (the sandbox network namespace only)
scp -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=1 -o BatchMode=yes /usr/bin/true root@10.9.9.9:/tmp/.t 2>/dev/null; true
