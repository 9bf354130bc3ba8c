# tactic: impact
# encrypt a file with a public key through openssl pkeyutl
d=$(mktemp -d); echo doc > $d/a.txt
openssl genrsa -out $d/k.pem 2048 2>/dev/null
openssl pkeyutl -encrypt -inkey $d/k.pem -in $d/a.txt -out $d/a.txt.enc && rm -f $d/a.txt
