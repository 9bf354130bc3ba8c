#!/usr/bin/python3
"""scikit-learn 1.2's Isolation Forest on ADFA-LD, for the golden figure of
TestADFALD (iforest/adfa_test.go).

Needs Debian's scikit-learn (apt-get install -y python3-sklearn; run with
/usr/bin/python3). Make the three ten-feature tables with the repository's own
CLI first, from the unpacked ADFA-LD.zip:

  go build -o /tmp/det . && cd ADFA-LD &&
  for d in Training Validation Attack; do
    /tmp/det features --input adfa --output csv ${d}_Data_Master > $d.csv
  done
  /usr/bin/python3 adfa_sklearn.py Training.csv Validation.csv Attack.csv

The protocol is the benchmark's (bench/adfa.sh): StandardScaler and
IsolationForest(n_estimators=100, max_samples="auto", contamination="auto",
random_state=s) fitted on the training table; roc_auc_score on the validation
(normal) and attack rows with attack as the positive class and minus the
decision_function as the ranking. Prints each seed's AUC for s = 0..19 and
their mean and standard deviation.
"""
import csv
import sys

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "sample", path
    return np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def main():
    train, normal, attack = (load(p) for p in sys.argv[1:4])
    sc = StandardScaler().fit(train)
    x = sc.transform(np.vstack([normal, attack]))
    y = np.r_[np.zeros(len(normal)), np.ones(len(attack))]
    aucs = []
    for s in range(20):
        m = IsolationForest(random_state=s).fit(sc.transform(train))
        aucs.append(roc_auc_score(y, -m.decision_function(x)))
        print("seed %d: AUC %.6f" % (s, aucs[-1]))
    print("rows: %d training, %d normal, %d attack" % (len(train), len(normal), len(attack)))
    print("mean AUC %.17g, standard deviation %.4f" % (np.mean(aucs), np.std(aucs)))


if __name__ == "__main__":
    main()
