# tactic: defense-evasion
# forge a file time from a system file
echo x > /tmp/.t
touch -r /etc/passwd /tmp/.t
touch -t 201001010000 /tmp/.t
