# tactic: impact
mkdir -p /tmp/d && for i in 1 2 3 4 5 6; do echo data$i > /tmp/d/f$i.txt; done; for f in /tmp/d/*.txt; do openssl enc -aes-256-cbc -pbkdf2 -k pw -in "$f" -out "$f.enc" && rm "$f"; done; true
