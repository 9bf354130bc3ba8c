# tactic: execution
# awk runs a shell
awk 'BEGIN { system("/bin/sh -c id") }' >/dev/null
