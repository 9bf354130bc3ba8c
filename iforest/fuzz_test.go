package iforest

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzParse checks that the two flag parsers never panic, and that what
// they accept reads back the same and resolves to a usable subsample size.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"auto", "1", "256", "0.5", "1.0", "1e-3", "0", "-1", "0.51", "NaN", "+Inf", "9999999999999999999", "0x10", "1_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ms, err := ParseMaxSamples(s); err == nil {
			if back, err := ParseMaxSamples(ms.String()); err != nil || back != ms {
				t.Fatalf("%q: %+v reads back from %q as %+v, %v", s, ms, ms.String(), back, err)
			}
			for _, n := range []int{1, 7, 256, 100000} {
				size, _, err := ms.Resolve(n)
				if err == nil && (size < 1 || size > n) {
					t.Fatalf("%q: Resolve(%d) = %d", s, n, size)
				}
				if err != nil && ms.Fraction == 0 {
					t.Fatalf("%q: Resolve(%d): %v", s, n, err)
				}
			}
		}
		if c, err := ParseContamination(s); err == nil && !(c >= 0 && c <= 0.5) {
			t.Fatalf("%q: contamination %v", s, c)
		}
	})
}

// FuzzModel decodes model bytes as a model file would hold them: a model
// that passes Validate must score any row without panicking, looping or
// leaving [-1, 0).
func FuzzModel(f *testing.F) {
	rng := rand.New(rand.NewPCG(21, 21))
	for _, p := range []Params{
		{Trees: 3, MaxSamples: MaxSamples{Count: 8}, Seed: 1},
		{Trees: 2, MaxSamples: MaxSamples{Count: 3}, Contamination: 0.2, Seed: 2},
		{Trees: 1, MaxSamples: MaxSamples{Count: 1}},
	} {
		m, err := Fit(normalRows(rng, 20, 2), p)
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(m); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	rows := append(normalRows(rng, 20, 2), []float64{1e300, -1e300}, []float64{0, 0}, []float64{math.MaxFloat64, math.SmallestNonzeroFloat64})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var m Model
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
			return
		}
		if m.Validate(2, len(m.Train)) != nil {
			return
		}
		for i, s := range m.ScoreSamplesAll(rows) {
			if !(s >= -1 && s < 0) {
				t.Fatalf("row %d scores %v", i, s)
			}
			if d := m.Decision(rows[i]); !(d >= -1 && d <= 1) {
				t.Fatalf("row %d has decision %v", i, d)
			}
		}
	})
}
