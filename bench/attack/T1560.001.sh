# tactic: collection
# put collected files into an encrypted archive
tar cf /tmp/.c.tar /etc/hostname 2>/dev/null
openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -in /tmp/.c.tar -out /tmp/.c.bin
