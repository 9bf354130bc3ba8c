# tactic: persistence
# create a user with adduser
adduser --disabled-password --gecos "" svc 2>/dev/null; true
