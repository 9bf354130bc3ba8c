# tactic: execution
# run a Python script from /dev/shm
printf "print(1)\n" > /dev/shm/.p.py 2>/dev/null || printf "print(1)\n" > /tmp/.p.py
python3 /dev/shm/.p.py 2>/dev/null || python3 /tmp/.p.py
