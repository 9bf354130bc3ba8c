#!/bin/sh
# mkcorpus.sh regenerates the strace exactness corpus in this folder.
#
# Every capture is recorded with strace -C -o FILE (the stderr-* ones with
# strace -C writing to stderr together with the traced program), so each
# ends with strace's own per-syscall call counts; TestStraceCorpus checks that the
# parser's histogram matches that table. Run from anywhere:
#   sh trace/testdata/mkcorpus.sh [NAME...]
# With names, only those captures are made again. Needs strace, a C
# compiler and python3. Captures were made with strace 6.1 on Debian
# (x86_64).
set -eu
out=$(cd "$(dirname "$0")" && pwd)
only=" $* "
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/threads" "$out/threads.c"
cc -O2 -pthread -o "$work/poll" "$out/poll.c"
cp "$out/poll.py" "$work/poll.py"
cd "$work"
wanted() { [ "$only" = "  " ] || case "$only" in *" $1 "*) true ;; *) false ;; esac; }
# A clean environment, so captures do not depend on (or reveal) the
# recording machine's PATH and home.
clean="env -i PATH=/usr/bin:/bin LANG=C HOME=/nonexistent"
seq 1 20000 | sort -R > nums.txt

rec() { # rec NAME STRACE-OPTIONS -- COMMAND...
	name=$1; shift
	wanted "$name" || return 0
	opts=
	while [ "$1" != -- ]; do opts="$opts $1"; shift; done
	shift
	# shellcheck disable=SC2086
	$clean strace -C $opts -o "$work/$name" "$@" >/dev/null 2>&1 </dev/null || true
	gzip -9n -c "$work/$name" > "$out/$name.strace.gz"
}

rec plain -- ls -la /usr/lib
rec f-tt-T-yy -f -tt -T -yy -- sh -c 'ls /etc >/dev/null; cat /etc/hostname; echo x | wc -c'
rec f-ttt-T-yy -f -ttt -T -yy -- sh -c 'head -c 3000 /etc/services | sort | uniq -c | tail -3'
rec s200-Xverbose -s 200 -X verbose -- cat /etc/services
rec f-r-y-Xraw -f -r -y -X raw -- sh -c 'date; id; uname -a'
rec t-Xabbrev -t -X abbrev -- env
rec f-threads -f -tt -- ./threads
rec f-T-threads -f -T -yy -s 100 -- ./threads
rec f-sort-parallel -f -- sort --parallel=4 -S 1M -o sorted.txt nums.txt
rec f-xz-T2 -f -T -- xz -T2 -k -f -3 nums.txt
rec f-py-threads -f -yy -- python3 -c 'import threading,os
def f():
    for i in range(30): os.stat("/"); os.getpid()
ts=[threading.Thread(target=f) for _ in range(6)]
[t.start() for t in ts]; [t.join() for t in ts]'
# strace writing to stderr, mixed with the program's own stderr.
recerr() { # recerr NAME STRACE-OPTIONS -- COMMAND...
	name=$1; shift
	wanted "$name" || return 0
	opts=
	while [ "$1" != -- ]; do opts="$opts $1"; shift; done
	shift
	# shellcheck disable=SC2086
	$clean strace -C $opts "$@" 2>"$work/$name" >/dev/null </dev/null || true
	gzip -9n -c "$work/$name" > "$out/$name.strace.gz"
}
recerr stderr-f -f -- sh -c 'echo hello >&2; ls /nonexistent; printf "a\nb(c\n" >&2; (echo child >&2 &); wait; ./threads'
recerr stderr-tt -tt -- sh -c 'for i in 1 2 3; do echo "line $i" >&2; done; printf "f(x) = 3\n" >&2; cat /nonexistent'
# Polling and timers (poll.c, poll.py): every return comment and return
# decoration strace prints, on whole and on resumed lines, with and
# without -y/-yy, with -Y's comm decorations and the -n and -i fields, and
# with the notes of fault injection.
rec f-poll -f -- ./poll
rec f-poll-y-tt -f -y -tt -- ./poll
rec f-poll-yy-T -f -yy -T -- ./poll
rec f-poll-Xverbose-ttt -f -X verbose -ttt -s 64 -- ./poll
rec f-poll-Y-yy-n-i -f -Y -yy -n -i -- ./poll
rec f-poll-inject -f -yy \
	-e inject=getppid:retval=42:when=1 \
	-e inject=umask:delay_enter=1000 \
	-e inject=timer_getoverrun:error=EPERM \
	-e inject=inotify_add_watch:poke_enter=@arg2=2f746d7000 \
	-e inject=getitimer:poke_exit=@arg2=00:retval=0 \
	-- ./poll
rec f-pypoll -f -- python3 poll.py
rec f-pypoll-yy-T -f -yy -T -- python3 poll.py
recerr stderr-poll-yy -f -yy -- ./poll
ls -l "$out"
