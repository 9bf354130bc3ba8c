# tactic: privilege-escalation
# probe for password-less sudo and for pkexec through env, which tries each PATH folder
env sudo -n true 2>/dev/null; env pkexec --version >/dev/null 2>&1; true
