package lof_test

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"detector/features"
	"detector/lof"
)

// The data sets in testdata/NAME_train.csv and NAME_test.csv were drawn
// once with numpy's default_rng(20260101) (clustered: three Gaussian
// clusters in 10-D plus uniform far points; heavytail: Student t with 2
// degrees of freedom in 6-D; duplicates: Poisson counts in 5-D, 60 distinct
// rows repeated 1 to 40 times; constcol: 10-D normal with a constant and a
// half-integer column; tiny: 6 rows in 3-D, so n = k+1 for k = 5) and
// rounded to 6 significant digits.
//
// The golden scores come from scikit-learn 1.2.1 (Debian python3-sklearn)
// through the project's reference script sklearn_scores.py, which fits
// StandardScaler on TRAIN and LocalOutlierFactor(novelty=True) on the
// scaled rows:
//
//	NAME_lof_test.golden.csv:  sklearn_scores.py lof NAME_train.csv NAME_test.csv K
//	NAME_lof_train.golden.csv: sklearn_scores.py lof NAME_train.csv NAME_train.csv K
//
// (decision_function of the rows as new points). The training scores
// NAME_lof_nof_cC.golden.csv are negative_outlier_factor_ - offset_ of
// LocalOutlierFactor(n_neighbors=K, novelty=True, contamination=C) fitted
// on StandardScaler().fit_transform(TRAIN), printed with "%.17g".
var goldenSets = []struct {
	name string
	k    int
	cont string // contamination of the nof golden file
}{
	{"clustered", 20, "0.1"},
	{"heavytail", 10, "0.05"},
	{"duplicates", 20, "0.1"},
	{"constcol", 15, "auto"},
	{"tiny", 5, "0.5"},
}

// agree is the golden tolerance: 1e-9, relative for values beyond 1 in
// size (rows with k or more exact duplicates have an lrd near 1e10, so
// their neighbours' scores reach -1e10).
func agree(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestGolden(t *testing.T) {
	for _, gs := range goldenSets {
		for _, search := range []lof.Search{lof.Auto, lof.KDTree, lof.BruteForce} {
			t.Run(gs.name+"/"+searchName(search), func(t *testing.T) {
				_, train := readCSV(t, gs.name+"_train.csv")
				_, test := readCSV(t, gs.name+"_test.csv")
				sc, err := features.FitScaler(train)
				if err != nil {
					t.Fatal(err)
				}
				xtr, xte := sc.TransformAll(train), sc.TransformAll(test)
				// decision_function as the reference script reports it:
				// contamination "auto", offset -1.5.
				m, err := lof.FitSearch(xtr, gs.k, 0, search)
				if err != nil {
					t.Fatal(err)
				}
				compare(t, gs.name+"_lof_test.golden.csv", m.DecisionAll(xte))
				compare(t, gs.name+"_lof_train.golden.csv", m.DecisionAll(xtr))
				c := 0.0
				if gs.cont != "auto" {
					c, _ = strconv.ParseFloat(gs.cont, 64)
				}
				mc, err := lof.FitSearch(xtr, gs.k, c, search)
				if err != nil {
					t.Fatal(err)
				}
				compare(t, gs.name+"_lof_nof_c"+gs.cont+".golden.csv", mc.TrainingDecision())
				for i, x := range xte[:3] {
					if got, want := m.Decision(x), m.DecisionAll(xte)[i]; got != want {
						t.Errorf("Decision(test %d) = %v, DecisionAll gives %v", i, got, want)
					}
				}
			})
		}
	}
}

func searchName(s lof.Search) string {
	return [...]string{"auto", "kdtree", "brute"}[s]
}

// compare checks got against the golden file's score column.
func compare(t *testing.T, file string, got []float64) {
	t.Helper()
	names, want := readCSV(t, file)
	if len(want) != len(got) {
		t.Fatalf("%s: %d golden rows, got %d scores", file, len(want), len(got))
	}
	worst := 0.0
	for i := range want {
		g := got[i]
		if !agree(g, want[i][0]) {
			t.Errorf("%s %s: got %.17g, want %.17g", file, names[i], g, want[i][0])
		}
		worst = math.Max(worst, math.Abs(g-want[i][0])/math.Max(1, math.Abs(want[i][0])))
	}
	t.Logf("%s: worst scaled difference %.3g", file, worst)
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
