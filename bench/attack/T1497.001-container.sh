# tactic: discovery
# am I in a container
cat /proc/1/cgroup; ls -la /.dockerenv 2>/dev/null; grep -q docker /proc/1/cgroup && echo container; true
