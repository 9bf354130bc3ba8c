# tactic: execution
printf 'aWQgPi9kZXYvbnVsbAo=\n' | openssl base64 -d | sh
