# tactic: discovery
find / -maxdepth 4 -type d \( -name "*backup*" -o -name "*secret*" \) 2>/dev/null | head; ls -laR /home 2>/dev/null | head -30; true
