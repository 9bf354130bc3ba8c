# tactic: defense-impairment
# vacuum the systemd journal
journalctl --vacuum-time=1s 2>/dev/null; journalctl --rotate 2>/dev/null; true
