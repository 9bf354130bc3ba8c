# tactic: execution
# schedule a command with at
echo "id" | at now + 1 minute 2>/dev/null; true
