# tactic: exfiltration
# cut a file into small pieces before sending them
split -b 512 /etc/passwd /tmp/.p. ; true
