# tactic: execution
# Python spawns a shell on a pseudo-terminal
echo exit | python3 -c 'import pty; pty.spawn("/bin/sh")' >/dev/null 2>&1; true
