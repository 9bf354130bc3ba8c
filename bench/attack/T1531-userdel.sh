# tactic: impact
# delete a user account
userdel -r admin 2>/dev/null; true
