# tactic: execution
# an interactive shell started by a script
echo "id" | bash -i >/dev/null 2>&1; true
