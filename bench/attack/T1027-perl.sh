# tactic: stealth
# run base64-encoded Perl code
perl -MMIME::Base64 -e 'eval decode_base64("cHJpbnQgMQ==")' >/dev/null
