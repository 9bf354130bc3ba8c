# tactic: stealth
# a file name that ends with a space
cp /bin/true "$HOME/ls "; "$HOME/ls "
