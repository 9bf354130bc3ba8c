# tactic: stealth
# run decoded text with eval
bash -c 'eval "$(echo aWQgPi9kZXYvbnVsbAo= | base64 -d)"'
