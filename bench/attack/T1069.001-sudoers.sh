# tactic: discovery
# look for sudo rules to abuse in the sudo policy
grep -hv '^#' /etc/sudoers /etc/sudoers.d/* 2>/dev/null | grep -i nopasswd; true
