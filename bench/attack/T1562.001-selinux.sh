# tactic: defense-impairment
# switch SELinux to permissive
setenforce 0 2>/dev/null; echo 0 > /sys/fs/selinux/enforce 2>/dev/null; true
