package features

import (
	"math"
	"testing"
)

func TestScalerPopulationStd(t *testing.T) {
	rows := [][]float64{{1, 5, 10}, {2, 5, 20}, {3, 5, 30}, {4, 5, 40}}
	s, err := FitScaler(rows)
	if err != nil {
		t.Fatal(err)
	}
	// Column 0: mean 2.5, population variance 1.25.
	if !near(s.Mean[0], 2.5) || !near(s.Scale[0], math.Sqrt(1.25)) {
		t.Errorf("column 0: mean %v scale %v", s.Mean[0], s.Scale[0])
	}
	// Column 1 is constant: centred, scale 1.
	if s.Mean[1] != 5 || s.Scale[1] != 1 {
		t.Errorf("constant column: mean %v scale %v, want 5 and 1", s.Mean[1], s.Scale[1])
	}
	z := s.Transform([]float64{4, 7, 10})
	if !near(z[0], 1.5/math.Sqrt(1.25)) || z[1] != 2 || !near(z[2], -15/math.Sqrt(125)) {
		t.Errorf("transform = %v", z)
	}
}

func TestScalerNearConstantColumn(t *testing.T) {
	// A column whose spread is rounding noise around a large mean is
	// constant to scikit-learn too (its _is_constant_feature bound).
	big := 1e10
	rows := [][]float64{{big}, {big + big*1e-17}, {big}}
	s, err := FitScaler(rows)
	if err != nil {
		t.Fatal(err)
	}
	if s.Scale[0] != 1 {
		t.Errorf("scale = %v, want 1", s.Scale[0])
	}
}

func TestScalerRejectsBadInput(t *testing.T) {
	for name, rows := range map[string][][]float64{
		"empty":   nil,
		"no cols": {{}},
		"ragged":  {{1, 2}, {3}},
		"nan":     {{1}, {math.NaN()}},
		"inf":     {{math.Inf(1)}},
	} {
		if _, err := FitScaler(rows); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
