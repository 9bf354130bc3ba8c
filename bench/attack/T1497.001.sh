# tactic: discovery
# am I in a virtual machine
cat /sys/class/dmi/id/product_name /sys/class/dmi/id/sys_vendor 2>/dev/null; grep -i hypervisor /proc/cpuinfo; dmesg 2>/dev/null | grep -i -E "vmware|virtualbox|qemu|kvm"; true
