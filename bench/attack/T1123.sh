# tactic: collection
# record the microphone
arecord -q -d 1 /tmp/.a.wav 2>/dev/null; true
