# tactic: stealth
# hide a payload in a folder named with dots
mkdir -p "$HOME/..." && cp /bin/true "$HOME/.../.x" && "$HOME/.../.x"
