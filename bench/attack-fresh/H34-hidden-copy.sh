# tactic: stealth
mkdir -p /tmp/.hidden && cp /bin/sh /tmp/.hidden/.x && /tmp/.hidden/.x -c true
