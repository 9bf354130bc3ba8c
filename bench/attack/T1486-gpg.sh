# tactic: impact
# encrypt files with a passphrase with gpg
d=$(mktemp -d); echo doc > $d/a.txt
gpg --batch --yes --homedir $d --passphrase k -c $d/a.txt 2>/dev/null; rm -f $d/a.txt; true
