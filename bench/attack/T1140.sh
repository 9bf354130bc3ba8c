# tactic: defense-evasion
# decode a payload and pipe it into a shell
echo ZWNobyBoZWxsbwo= | base64 -d | sh
