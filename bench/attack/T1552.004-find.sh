# tactic: credential-access
# look for private key files
find / -maxdepth 3 \( -name "*.pem" -o -name "*.key" -o -name "*.p12" \) 2>/dev/null >/dev/null; true
