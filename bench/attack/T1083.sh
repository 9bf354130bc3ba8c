# tactic: discovery
# look for documents across the file system
find / -maxdepth 3 \( -name "*.pdf" -o -name "*.docx" -o -name "*.xlsx" \) 2>/dev/null | head; true
