package ocsvm

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func normalRows(rng *rand.Rand, n, d int) [][]float64 {
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
		}
	}
	return x
}

func fitOrFail(t *testing.T, x [][]float64, nu, gamma float64) *Model {
	t.Helper()
	m, err := Fit(x, nu, gamma)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOptimality checks the dual solution directly: 0 <= alpha <= 1,
// sum alpha = nu*l, and the KKT conditions within the stopping tolerance
// (alpha < 1 implies f(x_i) >= -tol; alpha > 0 implies f(x_i) <= tol,
// where f = Decision and tol covers the solver's 1e-3 stopping gap).
func TestOptimality(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := normalRows(rng, 800, 5)
	m := fitOrFail(t, x, 0.1, GammaScale(x))
	var sum float64
	for _, a := range m.Alpha {
		if a <= 0 || a > 1 {
			t.Fatalf("alpha %v outside (0, 1]", a)
		}
		sum += a
	}
	if math.Abs(sum-0.1*800) > 1e-9 {
		t.Errorf("sum of alphas %v, want %v", sum, 0.1*800)
	}
	alpha := make(map[int]float64)
	for i, sv := range m.SV {
		for j, r := range x {
			if &r[0] != &sv[0] && equal(r, sv) {
				alpha[j] = m.Alpha[i]
			}
		}
	}
	exact := m.DecisionAll(x)
	for j, f := range m.TrainingDecision() {
		if math.Abs(f-exact[j]) > 1e-5 {
			t.Errorf("row %d: training decision %v, Decision %v", j, f, exact[j])
		}
	}
	const tol = 2e-3
	outside := 0
	for j, f := range m.TrainingDecision() {
		a := alpha[j]
		if a < 1 && f < -tol || a > 0 && f > tol {
			t.Errorf("row %d: alpha %v but decision %v", j, a, f)
		}
		if f < -tol {
			outside++
		}
	}
	// nu bounds the fraction of outliers from above (up to the tolerance).
	if outside > 80 {
		t.Errorf("%d training rows outside, nu*l = 80", outside)
	}
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSmallCache forces the kernel cache down to two columns, so that
// columns are evicted and recomputed all the time, and expects the same
// model as with the default cache.
func TestSmallCache(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := normalRows(rng, 1500, 10)
	g := GammaScale(x)
	a := fitOrFail(t, x, 0.05, g)
	defer func(c int) { CacheBytes = c }(CacheBytes)
	CacheBytes = 0
	b := fitOrFail(t, x, 0.05, g)
	if a.Rho != b.Rho || len(a.Alpha) != len(b.Alpha) || a.Iterations != b.Iterations {
		t.Fatalf("small cache: rho %v, %d SVs, %d iterations; default: %v, %d, %d",
			b.Rho, len(b.Alpha), b.Iterations, a.Rho, len(a.Alpha), a.Iterations)
	}
	for i := range a.Alpha {
		if a.Alpha[i] != b.Alpha[i] {
			t.Fatalf("alpha %d: %v with a small cache, %v by default", i, b.Alpha[i], a.Alpha[i])
		}
	}
}

func TestGobRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, q := normalRows(rng, 500, 10), normalRows(rng, 100, 10)
	m := fitOrFail(t, x, 0.05, GammaScale(x))
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
		t.Fatal(err)
	}
	want, got := m.DecisionAll(q), back.DecisionAll(q)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("decision %d after gob: %v, want %v", i, got[i], want[i])
		}
	}
	wt, gt := m.TrainingDecision(), back.TrainingDecision()
	for i := range wt {
		if gt[i] != wt[i] {
			t.Fatalf("training decision %d after gob: %v, want %v", i, gt[i], wt[i])
		}
	}
	if p := back.Params(); p["nu"] != "0.05" || p["support_vectors"] == "0" {
		t.Errorf("Params after gob = %v", p)
	}
}

// TestDeterministic trains and scores with one and with four goroutines
// (the kernel columns are computed in parallel above 4096 rows) and
// expects identical bits.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, q := normalRows(rng, 5000, 10), normalRows(rng, 500, 10)
	run := func(procs int) *Model {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m := fitOrFail(t, x, 0.05, GammaScale(x))
		m.Train = append(m.Train, m.DecisionAll(q)...)
		return m
	}
	a, b := run(1), run(4)
	if a.Rho != b.Rho || len(a.Alpha) != len(b.Alpha) {
		t.Fatalf("rho %v / %v, SVs %d / %d", a.Rho, b.Rho, len(a.Alpha), len(b.Alpha))
	}
	for i := range a.Alpha {
		if a.Alpha[i] != b.Alpha[i] {
			t.Fatalf("alpha %d: %v with 1 core, %v with 4", i, a.Alpha[i], b.Alpha[i])
		}
	}
	for i := range a.Train {
		if a.Train[i] != b.Train[i] {
			t.Fatalf("decision %d: %v with 1 core, %v with 4", i, a.Train[i], b.Train[i])
		}
	}
}

func TestGamma(t *testing.T) {
	// numpy: np.array([[1, 2], [3, 4], [5, 6]]).var() = 35/12.
	if g, want := GammaScale([][]float64{{1, 2}, {3, 4}, {5, 6}}), 1/(2*35.0/12); math.Abs(g-want) > 1e-15 {
		t.Errorf("GammaScale = %v, want %v", g, want)
	}
	if g := GammaScale([][]float64{{0, 0}, {0, 0}}); g != 1 {
		t.Errorf("GammaScale of a constant matrix = %v, want 1", g)
	}
	if g := GammaScale(nil); g != 1 {
		t.Errorf("GammaScale(nil) = %v, want 1", g)
	}
	if g := GammaAuto(10); g != 0.1 {
		t.Errorf("GammaAuto(10) = %v, want 0.1", g)
	}
	if g := GammaAuto(0); g != 1 {
		t.Errorf("GammaAuto(0) = %v, want 1", g)
	}
}

func TestFitErrors(t *testing.T) {
	nan := math.NaN()
	ok := [][]float64{{0, 1}, {1, 0}, {1, 1}, {0, 0}}
	for _, c := range []struct {
		name      string
		x         [][]float64
		nu, gamma float64
	}{
		{"empty", nil, 0.5, 1},
		{"no columns", [][]float64{{}, {}}, 0.5, 1},
		{"ragged", [][]float64{{0, 1}, {1}}, 0.5, 1},
		{"nan", [][]float64{{0, 1}, {nan, 1}}, 0.5, 1},
		{"inf", [][]float64{{0, 1}, {math.Inf(1), 1}}, 0.5, 1},
		{"nu zero", ok, 0, 1},
		{"nu above one", ok, 1.5, 1},
		{"nu nan", ok, nan, 1},
		{"gamma zero", ok, 0.5, 0},
		{"gamma nan", ok, 0.5, nan},
		{"gamma inf", ok, 0.5, math.Inf(1)},
	} {
		if m, err := Fit(c.x, c.nu, c.gamma); err == nil {
			t.Errorf("%s: Fit gave %v and no error", c.name, m)
		}
	}
	// Edge cases that must work: one row, nu = 1, all rows equal.
	for _, x := range [][][]float64{{{1, 2}}, ok, {{3, 3}, {3, 3}, {3, 3}}} {
		for _, nu := range []float64{0.01, 1} {
			m, err := Fit(x, nu, 0.5)
			if err != nil {
				t.Errorf("Fit(%v, nu %v): %v", x, nu, err)
				continue
			}
			if v := m.Decision(x[0]); math.IsNaN(v) {
				t.Errorf("Fit(%v, nu %v): decision NaN", x, nu)
			}
		}
	}
}

func TestHostileRows(t *testing.T) {
	m := fitOrFail(t, [][]float64{{0, 1}, {1, 0}, {1, 1}, {0, 0}}, 0.5, 1)
	for _, x := range [][]float64{nil, {1}, {1, 2, 3}, {math.NaN(), 0}, {0, math.Inf(-1)}} {
		if v := m.Decision(x); !math.IsNaN(v) {
			t.Errorf("Decision(%v) = %v, want NaN", x, v)
		}
	}
	d := m.DecisionAll([][]float64{{1}, {0.5, 0.5}})
	if !math.IsNaN(d[0]) || math.IsNaN(d[1]) {
		t.Errorf("DecisionAll = %v, want [NaN, number]", d)
	}
	var zero Model
	if v := zero.Decision([]float64{1}); !math.IsNaN(v) {
		t.Errorf("zero Model Decision = %v, want NaN", v)
	}
}
