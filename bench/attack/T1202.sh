# tactic: execution
# a shell started by a utility that is no shell
awk "BEGIN{system(\"id\")}" >/dev/null
