package lof_test

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"detector/lof"
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

func TestGobRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, q := normalRows(rng, 500, 10), normalRows(rng, 100, 10)
	m, err := lof.Fit(x, 20, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	var back lof.Model
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
	if p := back.Params(); p["neighbors"] != "20" || p["contamination"] != "0.05" || p["offset"] == "" {
		t.Errorf("Params after gob = %v", p)
	}
}

// TestDeterministic fits and scores with one and with four goroutines and
// expects identical bits.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, q := normalRows(rng, 2000, 10), normalRows(rng, 500, 10)
	run := func(procs int) ([]float64, []float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m, err := lof.Fit(x, 20, 0)
		if err != nil {
			t.Fatal(err)
		}
		return m.TrainingDecision(), m.DecisionAll(q)
	}
	t1, d1 := run(1)
	t4, d4 := run(4)
	for i := range t1 {
		if t1[i] != t4[i] {
			t.Fatalf("training decision %d: %v with 1 core, %v with 4", i, t1[i], t4[i])
		}
	}
	for i := range d1 {
		if d1[i] != d4[i] {
			t.Fatalf("decision %d: %v with 1 core, %v with 4", i, d1[i], d4[i])
		}
	}
}

// TestAutoOffset checks the documented meaning of contamination "auto":
// the decision is 1.5 - LOF, so the training decision is NOF + 1.5.
func TestAutoOffset(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := lof.Fit(normalRows(rng, 100, 3), 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Offset != -1.5 || m.Params()["contamination"] != "auto" {
		t.Fatalf("offset %v, params %v; want -1.5 and auto", m.Offset, m.Params())
	}
	for i, v := range m.TrainingDecision() {
		if v != m.NOF[i]+1.5 {
			t.Fatalf("training decision %d = %v, want %v", i, v, m.NOF[i]+1.5)
		}
	}
}

// TestContaminationFraction: with contamination c, about a fraction c of
// the training points has a negative training decision.
func TestContaminationFraction(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := lof.Fit(normalRows(rng, 1000, 4), 20, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	neg := 0
	for _, v := range m.TrainingDecision() {
		if v < 0 {
			neg++
		}
	}
	if neg < 95 || neg > 105 {
		t.Errorf("%d of 1000 training points below the offset, want about 100", neg)
	}
}

func TestFitErrors(t *testing.T) {
	nan := math.NaN()
	ok := [][]float64{{0, 1}, {1, 0}, {1, 1}, {0, 0}}
	for _, c := range []struct {
		name string
		x    [][]float64
		k    int
		cont float64
	}{
		{"empty", nil, 1, 0},
		{"no columns", [][]float64{{}, {}}, 1, 0},
		{"ragged", [][]float64{{0, 1}, {1}, {2, 2}}, 1, 0},
		{"nan", [][]float64{{0, 1}, {nan, 1}, {2, 2}}, 1, 0},
		{"inf", [][]float64{{0, 1}, {math.Inf(1), 1}, {2, 2}}, 1, 0},
		{"k zero", ok, 0, 0},
		{"k equals n", ok, 4, 0},
		{"contamination above 0.5", ok, 2, 0.6},
		{"contamination nan", ok, 2, nan},
	} {
		if m, err := lof.Fit(c.x, c.k, c.cont); err == nil {
			t.Errorf("%s: Fit gave %v and no error", c.name, m)
		}
	}
	if _, err := lof.Fit(ok, 3, 0.5); err != nil {
		t.Errorf("k = n-1: %v", err)
	}
}

// TestHostileRows: rows of the wrong length or with NaN score NaN instead
// of panicking.
func TestHostileRows(t *testing.T) {
	m, err := lof.Fit([][]float64{{0, 1}, {1, 0}, {1, 1}, {0, 0}}, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range [][]float64{nil, {1}, {1, 2, 3}, {math.NaN(), 0}, {0, math.Inf(-1)}} {
		if v := m.Decision(x); !math.IsNaN(v) {
			t.Errorf("Decision(%v) = %v, want NaN", x, v)
		}
	}
	d := m.DecisionAll([][]float64{{1}, {0.5, 0.5}})
	if !math.IsNaN(d[0]) || math.IsNaN(d[1]) {
		t.Errorf("DecisionAll = %v, want [NaN, number]", d)
	}
	var zero lof.Model
	if v := zero.Decision([]float64{1}); !math.IsNaN(v) {
		t.Errorf("zero Model Decision = %v, want NaN", v)
	}
}
