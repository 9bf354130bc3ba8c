#!/bin/sh
# Test fixture for detector (deliberately not in fixtures/suspicious): a
# wrapper that hides a payload from the tracer. It runs the payload, a
# verbatim copy of fixtures/suspicious/port_scan.sh between the PAYLOAD
# markers, in a child made with clone(CLONE_UNTRACED|SIGCHLD), which
# strace -f never sees, then a benign loop (the body of
# fixtures/benign/shell_loop.sh). Where the untraced clone is refused, the
# payload runs in an ordinary child.
# HARMLESS: network only to 127.0.0.1, writes only inside its own temporary
# folders (removed on exit).
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
work=$(mktemp -d "${TMPDIR:-/tmp}/detector-evasion.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cat > "$work/payload.sh" <<'PAYLOAD'
#!/bin/sh
# Scans 300 TCP ports on 127.0.0.1 with non-blocking connects and a 50 ms timeout, reports open ones.
# Imitates: network reconnaissance: TCP connect port scan (loopback only)
# Suspicious fixture for detector. HARMLESS: network only to 127.0.0.1, writes only
# inside its own temporary folder (removed on exit).
set -eu
# Fixed PATH and locale: the syscall mix must not depend on the caller's environment.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
work=$(mktemp -d "${TMPDIR:-/tmp}/detector-suspicious.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cd "$work"

perl -e '
use strict; use warnings; use Socket; use Fcntl; use Errno qw(EINPROGRESS);
my $deadline = time + 1.5;
my @open;
my $host = inet_aton("127.0.0.1");
for my $port (1 .. 300) {
    last if time > $deadline;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or next;
    fcntl($s, F_SETFL, fcntl($s, F_GETFL, 0) | O_NONBLOCK);
    if (connect($s, pack_sockaddr_in($port, $host))) { push @open, $port; close $s; next }
    if ($! == EINPROGRESS) {
        my $w = ""; vec($w, fileno($s), 1) = 1;
        if (select(undef, $w, undef, 0.05) > 0) {
            my $err = getsockopt($s, SOL_SOCKET, SO_ERROR);
            push @open, $port if defined $err && unpack("i", $err) == 0;
        }
    }
    close $s;
}
printf "scanned 127.0.0.1: %d open\n", scalar @open;
'
PAYLOAD
chmod 700 "$work/payload.sh"
perl -e '
my $pid = syscall(56, 0x00800011, 0, 0, 0, 0); # clone(CLONE_UNTRACED|SIGCHLD)
$pid = fork() if $pid < 0;                     # refused: an ordinary child
if ($pid == 0) { exec @ARGV or exit 127 }
waitpid($pid, 0);
' "$work/payload.sh" > /dev/null
cd "$work"

i=0 sum=0
while [ "$i" -lt 2000 ]; do
    sum=$((sum + i * i % 97))
    i=$((i + 1))
done
echo "$sum" > sum.txt
for n in $(seq 1 300); do
    case $((n % 15)) in
        0) echo FizzBuzz ;;
        3|6|9|12) echo Fizz ;;
        5|10) echo Buzz ;;
        *) echo "$n" ;;
    esac
done > fizz.txt
sort fizz.txt | uniq -c | sort -rn | head -n 3
cat sum.txt
