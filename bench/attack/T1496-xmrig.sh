# tactic: impact
# start a coin miner pointed at a stratum pool
d=$(mktemp -d); cp /bin/true $d/xmrig
$d/xmrig -o stratum+tcp://10.9.9.9:3333 -u 44AFFq5kSiGBoZ --donate-level 1 -B
