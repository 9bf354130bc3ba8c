# tactic: impact
# stop a database and a web server by killing them
killall -9 mysqld 2>/dev/null; pkill -f postgres 2>/dev/null; true
