# tactic: impact
# encrypt files in place with openssl, delete the originals and leave a ransom note
d=$(mktemp -d); for i in 1 2 3; do echo doc$i > $d/d$i.txt; done
for f in $d/*.txt; do openssl enc -aes-256-cbc -pbkdf2 -pass pass:k -in $f -out $f.enc && rm -f $f; done
echo "your files are encrypted" > $d/HOW_TO_DECRYPT.txt
