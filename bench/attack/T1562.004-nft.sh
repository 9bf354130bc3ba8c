# tactic: defense-impairment
# flush the nftables rule set
nft flush ruleset 2>/dev/null; true
