# tactic: execution
echo ZWNobyBoaSA+L2Rldi9udWxsCg== | base64 --decode > /tmp/.s; sh /tmp/.s
