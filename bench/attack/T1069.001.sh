# tactic: discovery
# local groups and who may use sudo
groups; id -Gn; getent group sudo; cat /etc/group | grep -E "^(sudo|wheel|adm):"; cat /etc/sudoers 2>/dev/null; true
