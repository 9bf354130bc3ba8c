# tactic: stealth
# run base64-encoded Python code
python3 -c "import base64; exec(base64.b64decode('cHJpbnQoMSk='))" >/dev/null
