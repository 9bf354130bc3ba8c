# tactic: execution
# Perl runs a command with system
perl -e 'system("id >/dev/null")'
