#!/usr/bin/python3
"""scikit-learn 1.2's IsolationForest timed on the rows of the Go benchmarks
BenchmarkFit and BenchmarkScore (iforest/bench_test.go), to print beside them.

Needs Debian's scikit-learn (apt-get install -y python3-sklearn; run with
/usr/bin/python3). The rows are drawn exactly as benchRows draws them:
SplitMix64 uniforms through the Box-Muller transform, 10,000 x 10 training
rows from seed 1 and 10,000 x 10 scored rows from seed 2.

usage: /usr/bin/python3 bench_sklearn.py [REPEATS]   (default 5; prints the median)
"""
import math
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def splitmix64(z):
    z = (z + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def bench_rows(seed, n, d):
    state = seed
    out = np.empty((n, d))

    def uniform():
        nonlocal state
        v = splitmix64(state)
        state = (state + GOLDEN) & MASK
        return (v >> 11) / float(1 << 53)

    for i in range(n):
        for j in range(d):
            u1, u2 = uniform(), uniform()
            out[i, j] = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
    return out


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    x, q = bench_rows(1, 10000, 10), bench_rows(2, 10000, 10)
    print("rows[0][:3] = %s (benchRows(1, ...) gives the same)" % x[0, :3])
    for jobs in (None, -1):
        m = IsolationForest(random_state=0, n_jobs=jobs)
        fit = median_time(lambda: m.fit(x), repeats)
        fit_train = median_time(lambda: m.fit(x).score_samples(x), repeats)
        score = median_time(lambda: m.score_samples(q), repeats)
        print("n_jobs=%s: fit %.1f ms, fit + score_samples(train) %.1f ms, score_samples 10,000 rows %.1f ms"
              % (jobs, 1e3 * fit, 1e3 * fit_train, 1e3 * score))


if __name__ == "__main__":
    main()
