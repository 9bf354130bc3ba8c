# tactic: defense-impairment
ip6tables -F 2>/dev/null; ip6tables -P INPUT ACCEPT 2>/dev/null; true
