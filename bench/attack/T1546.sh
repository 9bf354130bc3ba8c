# tactic: persistence
# a Python startup hook in site-packages
d=$HOME/.local/lib/python3/site-packages; mkdir -p $d
echo "import os" > $d/usercustomize.py
echo "import os" > $d/evil.pth
