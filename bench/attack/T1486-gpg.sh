# tactic: impact
# encrypt files one after another with a passphrase with gpg and delete the originals
d=$(mktemp -d); for i in 1 2 3; do echo doc$i > $d/d$i.txt; done
for f in $d/*.txt; do gpg --batch --yes --homedir $d --passphrase k -c $f 2>/dev/null && rm -f $f; done; true
