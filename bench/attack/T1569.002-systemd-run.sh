# tactic: execution
# run a shell as a transient systemd service
systemd-run --user --unit=upd /bin/sh -c id 2>/dev/null; true
