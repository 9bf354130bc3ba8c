# tactic: credential-access
# export the secret GnuPG keys
gpg --homedir $HOME/.gnupg --export-secret-keys -a >/dev/null 2>&1; true
