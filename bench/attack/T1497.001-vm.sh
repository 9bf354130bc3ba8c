# tactic: defense-impairment
# check whether it runs in a virtual machine
grep -qiE "vmware|virtualbox|qemu|kvm" /sys/class/dmi/id/product_name /proc/cpuinfo 2>/dev/null; true
