# tactic: defense-impairment
# make a file immutable and lift it again
echo x > $HOME/f; chattr +i $HOME/f 2>/dev/null; chattr -i /etc/passwd 2>/dev/null; true
