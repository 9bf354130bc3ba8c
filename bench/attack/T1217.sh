# tactic: discovery
# browser history and bookmarks
find ~ -name places.sqlite 2>/dev/null; cat ~/.mozilla/firefox/*/places.sqlite ~/.config/google-chrome/Default/History 2>/dev/null; true
