package evaluate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// scored builds parallel score and label slices: attacks first, then normal
// samples.
func scored(attacks, normals []float64) ([]float64, []bool) {
	scores := append(append([]float64{}, attacks...), normals...)
	attack := make([]bool, len(scores))
	for i := range attacks {
		attack[i] = true
	}
	return scores, attack
}

// near reports whether a and b are within tol, NaN matching only NaN and an
// infinity only itself.
func near(a, b, tol float64) bool {
	if a == b {
		return true
	}
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestAUCHandComputed(t *testing.T) {
	for _, tc := range []struct {
		name             string
		attacks, normals []float64
		want             float64
	}{
		{"perfect", []float64{-2, -1}, []float64{1, 2}, 1},
		{"inverted", []float64{1, 2}, []float64{-2, -1}, 0},
		{"all tied", []float64{0, 0}, []float64{0, 0, 0}, 0.5},
		// Pairs (attack lower than normal = 1, tie = 1/2):
		// -1: 3; 0: 0.5+1+1; 0.5: 0+1+1; total 7.5 of 9 pairs.
		{"ties across classes", []float64{-1, 0, 0.5}, []float64{0, 1, 2}, 7.5 / 9},
		// One tie between the classes out of 4 pairs, the rest separated.
		{"one tie", []float64{-1, 1}, []float64{1, 2}, 3.5 / 4},
		{"infinities", []float64{math.Inf(-1), 0}, []float64{0, math.Inf(1)}, 3.5 / 4},
		// NaN is the least anomalous: below every attack in the ranking.
		{"nan normal", []float64{5, 6}, []float64{math.NaN(), 7}, 1},
		{"nan attack", []float64{math.NaN()}, []float64{1, 2}, 0},
		{"nan tie", []float64{math.NaN()}, []float64{math.NaN()}, 0.5},
	} {
		got := AUC(ROC(scored(tc.attacks, tc.normals)))
		if !near(got, tc.want, 1e-12) {
			t.Errorf("%s: AUC = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestROCPoints(t *testing.T) {
	// Hand-computed from the flagging rule score <= threshold, with 3 attacks
	// (-1, 0, 0.5) and 3 normals (0, 1, 2).
	got := ROC(scored([]float64{0.5, -1, 0}, []float64{2, 0, 1}))
	want := []ROCPoint{
		{0, 0, math.Inf(-1)},
		{0, 1.0 / 3, -1},
		{1.0 / 3, 2.0 / 3, 0}, // the tied 0s move the curve diagonally, in one step
		{1.0 / 3, 1, 0.5},
		{2.0 / 3, 1, 1},
		{1, 1, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("ROC has %d points, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestROCNaNThreshold(t *testing.T) {
	got := ROC(scored([]float64{-1}, []float64{math.NaN(), 3}))
	want := []ROCPoint{{0, 0, math.Inf(-1)}, {0, 1, -1}, {0.5, 1, 3}, {1, 1, math.NaN()}}
	if len(got) != len(want) {
		t.Fatalf("ROC = %v, want %v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.FalseAlarm != w.FalseAlarm || g.Detection != w.Detection || !near(g.Threshold, w.Threshold, 0) {
			t.Errorf("point %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestROCEmptyClass(t *testing.T) {
	for _, tc := range []struct {
		name             string
		attacks, normals []float64
	}{
		{"no samples", nil, nil},
		{"no attacks", nil, []float64{1, 2}},
		{"no normals", []float64{-1}, nil},
	} {
		curve := ROC(scored(tc.attacks, tc.normals))
		if curve != nil {
			t.Errorf("%s: ROC = %v, want nil", tc.name, curve)
		}
		if auc := AUC(curve); !math.IsNaN(auc) {
			t.Errorf("%s: AUC = %v, want NaN", tc.name, auc)
		}
		if dr := DRAt(curve, 0.05); !math.IsNaN(dr) {
			t.Errorf("%s: DRAt = %v, want NaN", tc.name, dr)
		}
	}
}

func TestROCLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("ROC with 2 scores and 1 label did not panic")
		}
	}()
	ROC([]float64{1, 2}, []bool{true})
}

func TestDRAtHandComputed(t *testing.T) {
	// The curve of TestROCPoints:
	// (0,0) (0,1/3) (1/3,2/3) (1/3,1) (2/3,1) (1,1).
	curve := ROC(scored([]float64{-1, 0, 0.5}, []float64{0, 1, 2}))
	for _, tc := range []struct{ fa, want float64 }{
		{0, 1.0 / 3},               // top of the vertical run at 0
		{1.0 / 6, 0.5},             // halfway along (0,1/3)-(1/3,2/3)
		{1.0 / 12, 1.0/3 + 1.0/12}, // a quarter of the way
		{1.0 / 3, 1},               // exact hit: top of the vertical run at 1/3
		{0.5, 1},
		{1, 1},
		{-0.5, 1.0 / 3}, // clamped to 0
		{7, 1},          // clamped to 1
		{math.NaN(), math.NaN()},
	} {
		if got := DRAt(curve, tc.fa); !near(got, tc.want, 1e-12) {
			t.Errorf("DRAt(%v) = %v, want %v", tc.fa, got, tc.want)
		}
	}

	// All tied: the curve is the diagonal, so DR = FA.
	diag := ROC(scored([]float64{0, 0}, []float64{0, 0, 0, 0}))
	for _, fa := range []float64{0, 0.01, 0.05, 0.1, 0.25, 1} {
		if got := DRAt(diag, fa); !near(got, fa, 1e-12) {
			t.Errorf("diagonal: DRAt(%v) = %v", fa, got)
		}
	}
}

func TestDRAtExactRates(t *testing.T) {
	// 100 normal samples scoring 1..100 and attacks at 0.5, 5.5, 50.5 and
	// 1000. Flagging score <= 5 gives FA 5/100 and DR 1/4; adding the attack
	// at 5.5 gives (0.05, 1/2). At exactly FA 0.05 the top of that vertical
	// run counts, which needs FA 5/100 to compare equal to 0.05.
	normals := make([]float64, 100)
	for i := range normals {
		normals[i] = float64(i + 1)
	}
	curve := ROC(scored([]float64{0.5, 5.5, 50.5, 1000}, normals))
	for _, tc := range []struct{ fa, want float64 }{
		{0, 0.25},
		{0.01, 0.25},
		{0.05, 0.5},
		{0.10, 0.5},
		{0.505, 0.75},
		{0.995, 0.75},
		{1, 1},
	} {
		if got := DRAt(curve, tc.fa); got != tc.want {
			t.Errorf("DRAt(%v) = %v, want %v", tc.fa, got, tc.want)
		}
	}
}

// mannWhitney is the brute-force AUC: the fraction of (attack, normal) pairs
// where the attack scores lower (more anomalous), ties counting one half, NaN
// the least anomalous.
func mannWhitney(scores []float64, attack []bool) float64 {
	var sum, pairs float64
	for i := range scores {
		if !attack[i] {
			continue
		}
		for j := range scores {
			if attack[j] {
				continue
			}
			pairs++
			switch c := compareAnomaly(scores[i], scores[j]); {
			case c > 0:
				sum++
			case c == 0:
				sum += 0.5
			}
		}
	}
	return sum / pairs
}

// bruteDR is the detection rate at false-alarm rate fa by a linear scan over
// the segments of curve: the highest DR of any point of the polyline at FA fa.
func bruteDR(curve []ROCPoint, fa float64) float64 {
	best := 0.0
	for i, p := range curve {
		if p.FalseAlarm == fa {
			best = max(best, p.Detection)
		}
		if i == 0 {
			continue
		}
		q := curve[i-1]
		if q.FalseAlarm < fa && fa < p.FalseAlarm {
			best = max(best, q.Detection+(p.Detection-q.Detection)*(fa-q.FalseAlarm)/(p.FalseAlarm-q.FalseAlarm))
		}
	}
	return best
}

// randomCase returns n scores with many ties (rounded to 0.1) and some NaN
// and infinite values; attacks score lower on average.
func randomCase(r *rand.Rand, n int) ([]float64, []bool) {
	scores := make([]float64, n)
	attack := make([]bool, n)
	for i := range scores {
		attack[i] = r.IntN(3) == 0
		mean := 0.5
		if attack[i] {
			mean = -0.5
		}
		scores[i] = math.Round((mean+r.NormFloat64())*10) / 10
		switch r.IntN(50) {
		case 0:
			scores[i] = math.NaN()
		case 1:
			scores[i] = math.Inf(1)
		case 2:
			scores[i] = math.Inf(-1)
		}
	}
	return scores, attack
}

func TestAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{2, 3, 10, 100, 1000} {
		for trial := range 20 {
			scores, attack := randomCase(r, n)
			curve := ROC(scores, attack)
			want := mannWhitney(scores, attack)
			if got := AUC(curve); !near(got, want, 1e-9) {
				t.Fatalf("n=%d trial %d: AUC = %v, brute force %v", n, trial, got, want)
			}
			if curve == nil {
				continue
			}
			if p := curve[0]; p.FalseAlarm != 0 || p.Detection != 0 {
				t.Fatalf("n=%d trial %d: curve starts at %+v", n, trial, p)
			}
			if p := curve[len(curve)-1]; p.FalseAlarm != 1 || p.Detection != 1 {
				t.Fatalf("n=%d trial %d: curve ends at %+v", n, trial, p)
			}
			for i := 1; i < len(curve); i++ {
				if curve[i].FalseAlarm < curve[i-1].FalseAlarm || curve[i].Detection < curve[i-1].Detection {
					t.Fatalf("n=%d trial %d: curve decreases at point %d: %v", n, trial, i, curve)
				}
			}
			for _, fa := range []float64{0, 0.01, 0.05, 0.1, r.Float64(), 1} {
				if got, want := DRAt(curve, fa), bruteDR(curve, fa); !near(got, want, 1e-12) {
					t.Fatalf("n=%d trial %d: DRAt(%v) = %v, brute force %v", n, trial, fa, got, want)
				}
			}
		}
	}
}

// sklearnCase is the fixed-seed sample behind the scikit-learn golden
// numbers below: about 40 % attacks scoring round((-0.3+1.2·N(0,1))·10)/10,
// the rest normal scoring round((0.5+N(0,1))·100)/100, many of them tied.
func sklearnCase() ([]float64, []bool) {
	r := rand.New(rand.NewPCG(1, 1))
	scores := make([]float64, 500)
	attack := make([]bool, 500)
	for i := range scores {
		attack[i] = r.IntN(5) < 2
		if attack[i] {
			scores[i] = math.Round((-0.3+1.2*r.NormFloat64())*10) / 10
		} else {
			scores[i] = math.Round((0.5+r.NormFloat64())*100) / 100
		}
	}
	return scores, attack
}

func TestAgainstScikitLearn(t *testing.T) {
	scores, attack := sklearnCase()
	curve := ROC(scores, attack)
	// Golden numbers from scikit-learn 1.2.1 on the same 500 samples (213
	// attacks, 287 normal): roc_auc_score(y, -s), and len(roc_curve(y, -s,
	// drop_intermediate=False)[0]) for the number of points (232 distinct
	// scores plus the start).
	if got, want := AUC(curve), 0.6976002355596996; !near(got, want, 1e-12) {
		t.Errorf("AUC = %v, scikit-learn %v", got, want)
	}
	if got, want := len(curve), 233; got != want {
		t.Errorf("ROC has %d points, scikit-learn %d", got, want)
	}
	// Detection rates read off scikit-learn's roc_curve(y, -s,
	// drop_intermediate=False) with the DRAt rule written in Python (last
	// point with fpr <= fa, then linear interpolation to the next).
	for fa, want := range map[float64]float64{
		0.01: 0.1788262910798122,
		0.05: 0.2676056338028169,
		0.10: 0.36619718309859156,
	} {
		if got := DRAt(curve, fa); !near(got, want, 1e-12) {
			t.Errorf("DRAt(%v) = %v, scikit-learn curve %v", fa, got, want)
		}
	}
}

func BenchmarkROC(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		scores, attack := randomCase(rand.New(rand.NewPCG(1, 1)), n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				ROC(scores, attack)
			}
		})
	}
}
