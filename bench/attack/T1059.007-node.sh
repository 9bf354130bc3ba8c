# tactic: execution
# Node.js runs a command through child_process
node -e 'require("child_process").execSync("id")' >/dev/null
