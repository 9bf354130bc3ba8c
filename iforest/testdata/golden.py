#!/usr/bin/python3
"""Golden values for the iforest package's tests, from scikit-learn 1.2.

Needs Debian's scikit-learn (apt-get install -y python3-sklearn; run with
/usr/bin/python3). The Go tests only read the files this writes.

usage (from iforest/testdata):
  /usr/bin/python3 golden.py data     # NAME_train.csv, NAME_test.csv (numpy default_rng(20261122))
  /usr/bin/python3 golden.py golden   # NAME_iforest.golden.csv from the data files

Every data set is standardized with StandardScaler fitted on its training rows
(as the detector does), then IsolationForest(n_estimators=100,
max_samples=MS, contamination=C, random_state=s) is fitted for s = 0..19. The
golden file has, for every training row (train/i) and test row (test/i), the
mean over the 20 seeds of score_samples, and one last row, offset, with the
mean of the 20 offset_ values.
"""
import csv
import sys

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import StandardScaler

SEEDS = range(20)

# name -> (max_samples, contamination); keep in step with golden_test.go.
SETS = {
    "clustered": ("auto", "auto"),
    "heavytail": ("auto", 0.1),
    "duplicates": (64, "auto"),
    "constcol": (0.5, 0.05),
    "small": ("auto", "auto"),
}


def make_data():
    rng = np.random.default_rng(20261122)

    def clustered(n):
        centres = rng.normal(0, 4, size=(3, 10))
        x = centres[rng.integers(0, 3, size=n)] + rng.normal(0, 1, size=(n, 10))
        far = rng.uniform(-15, 15, size=(n // 20, 10))
        return np.vstack([x, far])

    def heavytail(n):
        return rng.standard_t(2, size=(n, 6))

    def duplicates(n):
        base = rng.poisson(3, size=(60, 5)).astype(float)
        reps = rng.integers(1, 41, size=60)
        x = np.repeat(base, reps, axis=0)
        return x[rng.permutation(len(x))][:n]

    def constcol(n):
        x = rng.normal(0, 1, size=(n, 8))
        x[:, 3] = 7.5
        x[:, 5] = np.round(2 * x[:, 5]) / 2
        return x

    def small(n):
        return rng.normal(0, 1, size=(n, 3))

    sizes = {"clustered": (600, 200), "heavytail": (500, 150), "duplicates": (600, 150),
             "constcol": (400, 120), "small": (40, 20)}
    makers = {"clustered": clustered, "heavytail": heavytail, "duplicates": duplicates,
              "constcol": constcol, "small": small}
    for name, (ntr, nte) in sizes.items():
        for part, n in (("train", ntr), ("test", nte)):
            x = makers[name](n)
            write(name + "_" + part + ".csv", part, x)


def write(path, prefix, x):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sample"] + ["f%d" % j for j in range(x.shape[1])])
        for i, r in enumerate(x):
            w.writerow(["%s%d" % (prefix, i)] + ["%.6g" % v for v in r])


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def make_golden():
    for name, (ms, c) in SETS.items():
        xtr, xte = load(name + "_train.csv"), load(name + "_test.csv")
        sc = StandardScaler().fit(xtr)
        ztr, zte = sc.transform(xtr), sc.transform(xte)
        str_, ste, off = np.zeros(len(ztr)), np.zeros(len(zte)), 0.0
        for s in SEEDS:
            m = IsolationForest(n_estimators=100, max_samples=ms, contamination=c, random_state=s).fit(ztr)
            str_ += m.score_samples(ztr)
            ste += m.score_samples(zte)
            off += m.offset_
        k = len(SEEDS)
        with open(name + "_iforest.golden.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["sample", "score_samples"])
            for i, v in enumerate(str_ / k):
                w.writerow(["train%d" % i, "%.17g" % v])
            for i, v in enumerate(ste / k):
                w.writerow(["test%d" % i, "%.17g" % v])
            w.writerow(["offset", "%.17g" % (off / k)])


if __name__ == "__main__":
    {"data": make_data, "golden": make_golden}[sys.argv[1]]()
