# tactic: stealth
# reverse a command string and pipe it into a shell
echo "llun/ved/> di" | rev | sh
