# tactic: impact
mkdir -p /tmp/d && for i in 1 2 3 4 5; do echo data > /tmp/d/f$i; done; find /tmp/d -type f -exec shred -n1 -u {} \;; true
