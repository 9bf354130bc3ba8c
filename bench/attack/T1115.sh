# tactic: collection
# read the clipboard
xclip -o -selection clipboard 2>/dev/null; xsel --clipboard --output 2>/dev/null; true
