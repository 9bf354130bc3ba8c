#!/usr/bin/python3
"""Regenerate the scikit-learn golden scores of the lof and ocsvm tests.

Needs Debian's scikit-learn 1.2 (apt-get install -y python3-sklearn); run from the
repository root with the system Python:

    /usr/bin/python3 testdata/golden.py          # rewrite every golden file
    /usr/bin/python3 testdata/golden.py --check  # compare, print the largest differences

The inputs are the committed data sets lof/testdata/NAME_{train,test}.csv (the ocsvm
package holds copies of the same files). Every file is `sample,score` with scores
printed as "%.17g":

    lof/testdata/NAME_lof_test.golden.csv     LocalOutlierFactor(n_neighbors=K, novelty=True)
                                              .decision_function(TEST)
    lof/testdata/NAME_lof_train.golden.csv    the same of TRAIN, rows as new points
    lof/testdata/NAME_lof_nof_cC.golden.csv   negative_outlier_factor_ - offset_ with
                                              contamination=C (each row without itself)
    ocsvm/testdata/NAME_ocsvm_{test,train}.golden.csv
                                              OneClassSVM(kernel="rbf", nu=NU, gamma=G)
                                              .decision_function(TEST or TRAIN)

always after StandardScaler fitted on TRAIN. The parameters below are the ones the Go
tests use (lof/golden_test.go, ocsvm/golden_test.go, golden_test.go).
"""
import csv
import os
import sys

import numpy as np
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

LOF_SETS = [("clustered", 20, "0.1"), ("heavytail", 10, "0.05"), ("duplicates", 20, "0.1"),
            ("constcol", 15, "auto"), ("tiny", 5, "0.5")]
OCSVM_SETS = [("clustered", 0.05, "scale"), ("heavytail", 0.1, "scale"), ("duplicates", 0.05, "0.5"),
              ("constcol", 0.2, "auto"), ("tiny", 0.5, "scale")]


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return [r[0] for r in rows[1:]], np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def lines(names, scores):
    return ["sample,score"] + ["%s,%.17g" % (n, s) for n, s in zip(names, scores)]


def outputs():
    for name, k, cont in LOF_SETS:
        trn, tr = load("lof/testdata/%s_train.csv" % name)
        ten, te = load("lof/testdata/%s_test.csv" % name)
        sc = StandardScaler().fit(tr)
        m = LocalOutlierFactor(n_neighbors=k, novelty=True).fit(sc.transform(tr))
        yield "lof/testdata/%s_lof_test.golden.csv" % name, lines(ten, m.decision_function(sc.transform(te)))
        yield "lof/testdata/%s_lof_train.golden.csv" % name, lines(trn, m.decision_function(sc.transform(tr)))
        c = cont if cont == "auto" else float(cont)
        m = LocalOutlierFactor(n_neighbors=k, novelty=True, contamination=c).fit(sc.transform(tr))
        yield ("lof/testdata/%s_lof_nof_c%s.golden.csv" % (name, cont),
               lines(trn, m.negative_outlier_factor_ - m.offset_))
    for name, nu, gamma in OCSVM_SETS:
        trn, tr = load("ocsvm/testdata/%s_train.csv" % name)
        ten, te = load("ocsvm/testdata/%s_test.csv" % name)
        sc = StandardScaler().fit(tr)
        g = gamma if gamma in ("scale", "auto") else float(gamma)
        m = OneClassSVM(kernel="rbf", nu=nu, gamma=g).fit(sc.transform(tr))
        yield "ocsvm/testdata/%s_ocsvm_test.golden.csv" % name, lines(ten, m.decision_function(sc.transform(te)))
        yield "ocsvm/testdata/%s_ocsvm_train.golden.csv" % name, lines(trn, m.decision_function(sc.transform(tr)))


def main():
    check = "--check" in sys.argv[1:]
    worst = 0.0
    for path, new in outputs():
        if check:
            with open(path) as f:
                old = f.read().splitlines()
            if len(old) != len(new) or [l.split(",")[0] for l in old] != [l.split(",")[0] for l in new]:
                print("%s: rows differ" % path)
                worst = float("inf")
                continue
            d = max(abs(float(a.split(",")[1]) - float(b.split(",")[1])) for a, b in zip(old[1:], new[1:]))
            worst = max(worst, d)
            print("%s: largest difference %.3g" % (path, d))
        else:
            with open(path + ".tmp", "w") as f:
                f.write("\n".join(new) + "\n")
            os.replace(path + ".tmp", path)
            print("wrote", path)
    if check:
        print("largest difference overall: %.3g" % worst)


if __name__ == "__main__":
    main()
