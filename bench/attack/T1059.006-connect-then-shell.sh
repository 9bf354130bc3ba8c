# tactic: execution
# a Perl one-liner calls back to its handler, then runs a shell whether the callback answered or not
perl -e 'socket(S, 2, 1, 6); connect(S, pack("Sna4x8", 2, 7002, "\x7f\0\0\1")); system "sh", "-c", "uname -a >/dev/null"'
