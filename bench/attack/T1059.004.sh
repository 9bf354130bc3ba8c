# tactic: execution
# write a script to /tmp and run it with a shell
printf "echo hi\n" > /tmp/.s.sh
sh /tmp/.s.sh
