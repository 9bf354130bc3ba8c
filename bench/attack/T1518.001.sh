# tactic: discovery
# look for security agents
ps aux | grep -iE "falcon|osquery|auditd|wazuh" | grep -v grep; ls /opt/CrowdStrike /var/ossec /etc/osquery 2>/dev/null; true
