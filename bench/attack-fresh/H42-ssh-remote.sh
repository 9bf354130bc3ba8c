# tactic: lateral-movement
ssh -o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=no root@10.0.0.7 id 2>/dev/null; true
