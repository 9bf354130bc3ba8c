# tactic: credential-access
# drop a PAM module into the system module folder
cp /bin/true /lib/x86_64-linux-gnu/security/pam_x.so 2>/dev/null; true
