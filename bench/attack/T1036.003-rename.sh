# tactic: stealth
# run a copy of a shell renamed as cron from a temporary folder
d=$(mktemp -d); cp /bin/sh $d/crond; $d/crond -c true
