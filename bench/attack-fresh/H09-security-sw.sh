# tactic: discovery
ps aux | grep -Ei "falco|osquery|auditd|wazuh|falcon|sentinel|clamd" | grep -v grep; ls /opt /etc | grep -Ei "falcon|sentinel|wazuh|ossec"; true
