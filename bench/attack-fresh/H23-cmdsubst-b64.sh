# tactic: execution
sh -c "$(echo aWQgPi9kZXYvbnVsbAo= | base64 -d)"
