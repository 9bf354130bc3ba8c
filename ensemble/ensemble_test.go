package ensemble

import (
	"math"
	"testing"

	"detector/seq"
)

// lenScorer's statistic is the sequence's length times scale plus the
// number of training tokens it was fitted on, so out-of-fold statistics
// reveal which sequences each fold's model saw.
type lenScorer struct{ scale, fitted float64 }

func (l lenScorer) Statistic(s []int32) float64 { return l.scale*float64(len(s)) + l.fitted }

func lenFitter(scale float64) seq.Fitter {
	return func(train [][]int32) (seq.Scorer, error) {
		n := 0
		for _, s := range train {
			n += len(s)
		}
		return lenScorer{scale, float64(n)}, nil
	}
}

// TestOutOfFoldZ fixes the split of 4 sequences of lengths 1, 2, 3, 4 into
// 2 folds with seed 3, Folds(4, 2, 3) = [0 1 0 1] (checked): folds {1, 3}
// and {2, 4} by length, 10 tokens in all.
//
// Member A (scale 1): out of fold, a sequence of fold 0 is scored by the
// model fitted on lengths 2 + 4 = 6, one of fold 1 on 1 + 3 = 4:
// statistics 1+6, 2+4, 3+6, 4+4 = 7, 6, 9, 8: mean 7.5, std sqrt(1.25).
// Member B (scale -2): -2+6, -4+4, -6+6, -8+4 = 4, 0, 0, -4: mean 0,
// std sqrt(8). Out-of-fold z of sequence 1 (length 1):
// ((7-7.5)/sqrt(1.25) + 4/sqrt(8))/2.
// On a new sequence of length 5 the full models (10 tokens) give A = 15,
// B = 0: z = ((15-7.5)/sqrt(1.25) + 0/sqrt(8))/2.
func TestOutOfFoldZ(t *testing.T) {
	train := [][]int32{make([]int32, 1), make([]int32, 2), make([]int32, 3), make([]int32, 4)}
	if f := seq.Folds(4, 2, 3); f[0] != 0 || f[1] != 1 || f[2] != 0 || f[3] != 1 {
		t.Fatalf("Folds(4, 2, 3) = %v, the test assumes [0 1 0 1]", f)
	}
	e, err := Fit([]seq.Fitter{lenFitter(1), lenFitter(-2)}, train, 0.5, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := math.Sqrt(1.25), math.Sqrt(8)
	if e.Z[0].Mean != 7.5 || math.Abs(e.Z[0].Std-sa) > 1e-15 || e.Z[1].Mean != 0 || math.Abs(e.Z[1].Std-sb) > 1e-15 {
		t.Fatalf("member calibrations %+v", e.Z)
	}
	oofZ := []float64{
		((7-7.5)/sa + 4/sb) / 2,
		((6-7.5)/sa + 0/sb) / 2,
		((9-7.5)/sa + 0/sb) / 2,
		((8-7.5)/sa - 4/sb) / 2,
	}
	// Contamination 0.5: the offset is the median of the out-of-fold z.
	sorted := append([]float64(nil), oofZ...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j] < sorted[i] {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	if want := (sorted[1] + sorted[2]) / 2; math.Abs(e.Cal.Offset-want) > 1e-15 {
		t.Errorf("offset %v, want the median %v of %v", e.Cal.Offset, want, oofZ)
	}
	s := make([]int32, 5)
	want := ((15-7.5)/sa + 0/sb) / 2
	if got := e.Statistic(s); math.Abs(got-want) > 1e-15 {
		t.Errorf("z of a new sequence %v, want %v", got, want)
	}
	if got := e.Decision(s); math.Abs(got-(e.Cal.Offset-want)) > 1e-15 {
		t.Errorf("decision %v", got)
	}
	mz := e.MemberZ(s)
	if math.Abs(mz[0]-(15-7.5)/sa) > 1e-15 || mz[1] != 0 {
		t.Errorf("member z %v", mz)
	}
}

type infScorer struct{}

func (infScorer) Statistic([]int32) float64 { return math.Inf(1) }

// TestUncomputable: a member that cannot score makes the ensemble
// anomalous, never normal.
func TestUncomputable(t *testing.T) {
	cal := seq.Calibration{Contamination: 0.1, Offset: 1, Mean: 0, Std: 1}
	e, err := New([]seq.Scorer{lenScorer{1, 0}, infScorer{}}, []seq.Calibration{cal, cal}, cal)
	if err != nil {
		t.Fatal(err)
	}
	if d := e.Decision(make([]int32, 3)); !math.IsInf(d, -1) {
		t.Errorf("decision %v, want -Inf", d)
	}
	if z := Combine([]float64{math.Inf(1), math.Inf(-1)}, []seq.Calibration{cal, cal}); !math.IsInf(z, 1) {
		t.Errorf("+Inf and -Inf combine to %v, want +Inf", z)
	}
	if _, err := New([]seq.Scorer{infScorer{}}, nil, cal); err == nil {
		t.Error("members without calibrations accepted")
	}
	bad := cal
	bad.Std = 0
	if _, err := New([]seq.Scorer{infScorer{}}, []seq.Calibration{bad}, cal); err == nil {
		t.Error("zero spread accepted")
	}
}
