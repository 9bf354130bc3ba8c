# tactic: stealth
# run a copy of a program under a system daemon's name from a home folder
mkdir -p $HOME/.cache; cp /bin/true $HOME/.cache/sshd; $HOME/.cache/sshd
