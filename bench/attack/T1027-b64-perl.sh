# tactic: stealth
# decode base64 and hand it to Perl on its standard input
printf 'cHJpbnQgImRlY29kZWRcbiI7Cg==' | base64 -d | perl >/dev/null
