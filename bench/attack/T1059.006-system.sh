# tactic: execution
# Python runs a command through os.system
python3 -c 'import os; os.system("id >/dev/null")'
