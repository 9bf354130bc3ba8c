# tactic: execution
# schedule a script with at -f
echo id > /tmp/.a; at -f /tmp/.a now + 1 minute 2>/dev/null; true
