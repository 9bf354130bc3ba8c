# tactic: impact
# pack files into a password-protected zip and delete them
d=$(mktemp -d); echo doc > $d/a.txt
zip -q -P k $d/a.zip $d/a.txt && rm -f $d/a.txt
