# tactic: discovery
systemctl list-units --type=service --no-pager 2>/dev/null | head -5; service --status-all 2>/dev/null | head; ls /etc/init.d; true
