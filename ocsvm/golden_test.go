package ocsvm_test

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"detector/features"
	"detector/ocsvm"
)

// The data sets testdata/NAME_train.csv and NAME_test.csv are the same as
// the lof package's: drawn once with numpy's default_rng(20260101)
// (clustered 10-D Gaussian clusters plus far points; Student t(2) in 6-D;
// 60 distinct 5-D rows repeated 1 to 40 times; 10-D with a constant
// column; 6 rows in 3-D), rounded to 6 significant digits.
//
// Golden scores come from scikit-learn 1.2.1 (Debian python3-sklearn)
// through the project's reference script, which fits StandardScaler on
// TRAIN and OneClassSVM(kernel="rbf", nu=NU, gamma=GAMMA) on the scaled
// rows and prints decision_function:
//
//	NAME_ocsvm_test.golden.csv:  sklearn_scores.py ocsvm NAME_train.csv NAME_test.csv NU GAMMA
//	NAME_ocsvm_train.golden.csv: sklearn_scores.py ocsvm NAME_train.csv NAME_train.csv NU GAMMA
var goldenSets = []struct {
	name  string
	nu    float64
	gamma string // "scale", "auto" or a number
}{
	{"clustered", 0.05, "scale"},
	{"heavytail", 0.1, "scale"},
	{"duplicates", 0.05, "0.5"},
	{"constcol", 0.2, "auto"},
	{"tiny", 0.5, "scale"},
}

// Tolerance: at least 99.5% of the scores agree to 1e-2 absolute and with
// the same sign (an SMO solution is exact only to the stopping tolerance).
const (
	absTol   = 1e-2
	minAgree = 0.995
)

func TestGolden(t *testing.T) {
	for _, gs := range goldenSets {
		t.Run(gs.name, func(t *testing.T) {
			_, train := readCSV(t, gs.name+"_train.csv")
			_, test := readCSV(t, gs.name+"_test.csv")
			sc, err := features.FitScaler(train)
			if err != nil {
				t.Fatal(err)
			}
			xtr, xte := sc.TransformAll(train), sc.TransformAll(test)
			var gamma float64
			switch gs.gamma {
			case "scale":
				gamma = ocsvm.GammaScale(xtr)
			case "auto":
				gamma = ocsvm.GammaAuto(len(xtr[0]))
			default:
				gamma, _ = strconv.ParseFloat(gs.gamma, 64)
			}
			m, err := ocsvm.Fit(xtr, gs.nu, gamma)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, gs.name+"_ocsvm_test.golden.csv", m.DecisionAll(xte))
			compare(t, gs.name+"_ocsvm_train.golden.csv", m.DecisionAll(xtr))
			compare(t, gs.name+"_ocsvm_train.golden.csv", m.TrainingDecision())
			for i, x := range xte[:3] {
				if got, want := m.Decision(x), m.DecisionAll(xte)[i]; got != want {
					t.Errorf("Decision(test %d) = %v, DecisionAll gives %v", i, got, want)
				}
			}
		})
	}
}

func compare(t *testing.T, file string, got []float64) {
	t.Helper()
	names, want := readCSV(t, file)
	if len(want) != len(got) {
		t.Fatalf("%s: %d golden rows, got %d scores", file, len(want), len(got))
	}
	bad, worst := 0, 0.0
	for i := range want {
		d := math.Abs(got[i] - want[i][0])
		worst = math.Max(worst, d)
		if d > absTol || (got[i] > 0) != (want[i][0] > 0) {
			bad++
			t.Logf("%s %s: got %.17g, want %.17g", file, names[i], got[i], want[i][0])
		}
	}
	if frac := 1 - float64(bad)/float64(len(want)); frac < minAgree {
		t.Errorf("%s: %d of %d scores disagree (agreement %.4f < %.3f)", file, bad, len(want), frac, minAgree)
	}
	t.Logf("%s: worst absolute difference %.3g", file, worst)
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
