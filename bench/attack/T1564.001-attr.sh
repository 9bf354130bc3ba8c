# tactic: stealth
# hide files with a dot name in a temporary folder and run one
mkdir -p /tmp/.cache-x; cp /bin/true /tmp/.cache-x/.update; /tmp/.cache-x/.update
