# tactic: credential-access
find / \( -name "*.pem" -o -name "*.key" -o -name "id_ecdsa" \) 2>/dev/null | head; true
