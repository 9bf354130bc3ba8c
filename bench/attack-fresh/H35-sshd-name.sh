# tactic: stealth
cp /bin/sh /tmp/sshd && /tmp/sshd -c true
