# tactic: defense-impairment
# set a dropped file's time far back
echo x > $HOME/.cfg; touch -d "2015-03-01 10:00" $HOME/.cfg
