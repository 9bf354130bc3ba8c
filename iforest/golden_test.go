package iforest_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"

	"detector/features"
	"detector/iforest"
)

// The data sets testdata/NAME_train.csv and NAME_test.csv were drawn once
// with numpy's default_rng(20261122) by testdata/golden.py (clustered: three
// Gaussian clusters in 10-D plus uniform far points; heavytail: Student t
// with 2 degrees of freedom in 6-D; duplicates: Poisson counts in 5-D, 60
// distinct rows repeated 1 to 40 times; constcol: 8-D normal with a constant
// and a half-integer column; small: 40 rows in 3-D, so that max_samples auto
// is every row) and rounded to 6 significant digits.
//
// testdata/NAME_iforest.golden.csv holds scikit-learn 1.2.1's (Debian
// python3-sklearn) mean score_samples over random_state 0 to 19 of
// IsolationForest(n_estimators=100, max_samples=MS, contamination=C) fitted
// on StandardScaler().fit_transform(TRAIN), for every training and test row,
// and the mean offset_; regenerate with `/usr/bin/python3 golden.py golden`
// in testdata.
var goldenSets = []struct {
	name string
	ms   string
	cont string
}{
	{"clustered", "auto", "auto"},
	{"heavytail", "auto", "0.1"},
	{"duplicates", "64", "auto"},
	{"constcol", "0.5", "0.05"},
	{"small", "auto", "auto"},
}

// Tolerances for two independent 20-seed means: their rank correlation
// (the acceptance figure), their largest and mean absolute
// difference, and the difference of the mean offsets.
const (
	minSpearman = 0.95
	maxAbsDiff  = 0.02
	meanAbsDiff = 0.005
	offsetDiff  = 0.005
	goldenSeeds = 20
)

// TestGolden checks that the mean score of 20 seeds ranks the rows like
// scikit-learn's mean of 20 seeds, and lies close to it.
func TestGolden(t *testing.T) {
	for _, gs := range goldenSets {
		t.Run(gs.name, func(t *testing.T) {
			_, train := readCSV(t, gs.name+"_train.csv")
			_, test := readCSV(t, gs.name+"_test.csv")
			names, golden := readCSV(t, gs.name+"_iforest.golden.csv")
			sc, err := features.FitScaler(train)
			if err != nil {
				t.Fatal(err)
			}
			rows := slices.Concat(sc.TransformAll(train), sc.TransformAll(test))
			if len(golden) != len(rows)+1 || names[len(rows)] != "offset" {
				t.Fatalf("%d golden rows for %d data rows", len(golden), len(rows))
			}
			ms, err := iforest.ParseMaxSamples(gs.ms)
			if err != nil {
				t.Fatal(err)
			}
			c, err := iforest.ParseContamination(gs.cont)
			if err != nil {
				t.Fatal(err)
			}
			mean := make([]float64, len(rows))
			var offset float64
			for seed := range uint64(goldenSeeds) {
				m, err := iforest.Fit(sc.TransformAll(train), iforest.Params{Trees: 100, MaxSamples: ms, Contamination: c, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range m.ScoreSamplesAll(rows) {
					mean[i] += s / goldenSeeds
				}
				offset += m.Offset / goldenSeeds
			}
			want := make([]float64, len(rows))
			var worst, sum float64
			for i := range rows {
				want[i] = golden[i][0]
				d := math.Abs(mean[i] - want[i])
				worst = max(worst, d)
				sum += d
			}
			rho := spearman(mean, want)
			t.Logf("Spearman %.4f, largest difference %.4f, mean %.4f, offsets %.4f and %.4f", rho, worst, sum/float64(len(rows)), offset, golden[len(rows)][0])
			if rho < minSpearman {
				t.Errorf("Spearman rank correlation with scikit-learn %.4f < %v", rho, minSpearman)
			}
			if worst > maxAbsDiff || sum/float64(len(rows)) > meanAbsDiff {
				t.Errorf("mean scores differ from scikit-learn's by up to %.4f (mean %.4f), tolerance %v (%v)", worst, sum/float64(len(rows)), maxAbsDiff, meanAbsDiff)
			}
			if d := math.Abs(offset - golden[len(rows)][0]); d > offsetDiff {
				t.Errorf("mean offset %v, scikit-learn's %v", offset, golden[len(rows)][0])
			}
		})
	}
}

// spearman is Spearman's rank correlation: Pearson's correlation of the
// ranks, tied values sharing their mean rank.
func spearman(a, b []float64) float64 {
	return stat.Correlation(ranks(a), ranks(b), nil)
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		switch {
		case v[i] < v[j]:
			return -1
		case v[i] > v[j]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(v))
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && v[idx[hi]] == v[idx[lo]] {
			hi++
		}
		for _, i := range idx[lo:hi] {
			r[i] = float64(lo+hi-1)/2 + 1
		}
		lo = hi
	}
	return r
}

func TestSpearman(t *testing.T) {
	// Hand-computed: ranks (1, 2.5, 2.5, 4) against (4, 3, 2, 1).
	a, b := []float64{1, 2, 2, 3}, []float64{9, 5, 4, 0}
	if got := spearman(a, b); math.Abs(got-(-0.9486832980505138)) > 1e-12 {
		t.Errorf("spearman = %v", got)
	}
	if got := spearman(a, []float64{-5, 0, 0, 100}); got != 1 {
		t.Errorf("monotone: spearman = %v", got)
	}
}

// readCSV reads a testdata CSV: a header, then a first column of names.
func readCSV(t *testing.T, name string) ([]string, [][]float64) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := features.ReadCSV(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return tab.Samples, tab.Rows
}
