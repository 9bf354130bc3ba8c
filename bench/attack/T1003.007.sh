# tactic: credential-access
# read another process memory through /proc/PID/maps and /proc/PID/mem
sleep 30 & p=$!
head -n 1 /proc/$p/maps >/dev/null
dd if=/proc/$p/mem bs=1 count=1 skip=4096 2>/dev/null >/dev/null
for f in /proc/[0-9]*/environ; do cat $f 2>/dev/null; done | grep -a PATH >/dev/null
kill $p
