# tactic: credential-access
cat ~/.bash_history ~/.zsh_history ~/.python_history 2>/dev/null | grep -iE "pass|token|secret"; true
