# tactic: privilege-escalation
# give a file the setuid and setgid bits with an octal mode
cp /bin/true $HOME/.t; chmod 6755 $HOME/.t
