package lof

import (
	"fmt"

	"detector/algo"
)

// Spec registers the Local Outlier Factor with detector's algorithm
// registry as "lof".
var Spec = algo.Spec{
	Name:  "lof",
	Title: "Local Outlier Factor",
	Params: []algo.Param{
		{Name: "neighbors", Default: "20", Usage: "neighbours k (capped at samples - 1)"},
		{Name: "contamination", Default: "auto", Usage: "expected share of outliers in training, auto or a number in (0, 0.5]"},
	},
	Check: func(a algo.Args) error {
		if _, err := a.Int("neighbors", 1); err != nil {
			return err
		}
		_, err := a.Contamination()
		return err
	},
	Fit: func(s algo.Samples, a algo.Args, o algo.FitOptions) (algo.Detector, error) {
		k, err := a.Int("neighbors", 1)
		if err != nil {
			return nil, err
		}
		c, err := a.Contamination()
		if err != nil {
			return nil, err
		}
		if n := s.Len(); k >= n {
			if o.Warn != nil {
				o.Warn("--neighbors %d capped at %d (training samples - 1)", k, n-1)
			}
			k = n - 1
		}
		return Fit(s.Rows, k, c)
	},
	New: func() algo.Detector { return new(Model) },
}

// Score returns DecisionAll of the samples' rows.
func (m *Model) Score(s algo.Samples) []float64 { return m.DecisionAll(s.Rows) }

// Validate checks a decoded model for dim features and n training rows
// (see validate for the invariants).
func (m *Model) Validate(dim, n int) error {
	if len(m.Points) != n {
		return fmt.Errorf("holds %d points for %d training samples", len(m.Points), n)
	}
	return m.validate(dim)
}

// StoredRows returns the standardized training points.
func (m *Model) StoredRows() [][]float64 { return m.Points }

// fileModel is a Model as a model file keeps it: arrays packed flat
// (algo.PackFloats), so that decoding a crafted file costs no more memory
// than its size.
type fileModel struct {
	K             int
	Contamination float64
	Offset        float64
	Rows, Dim     int
	Points        []byte
	KDist         []byte
	LRD           []byte
	NOF           []byte
}

// GobEncode implements gob.GobEncoder.
func (m *Model) GobEncode() ([]byte, error) {
	f := fileModel{K: m.K, Contamination: m.Contamination, Offset: m.Offset,
		Rows: len(m.Points), Points: algo.PackRows(m.Points),
		KDist: algo.PackFloats(m.KDist), LRD: algo.PackFloats(m.LRD), NOF: algo.PackFloats(m.NOF)}
	if len(m.Points) > 0 {
		f.Dim = len(m.Points[0])
	}
	return algo.EncodeGob(f)
}

// GobDecode implements gob.GobDecoder. It checks only that the arrays
// hold what the declared shape needs; Validate checks the numbers.
func (m *Model) GobDecode(data []byte) error {
	var f fileModel
	if err := algo.DecodeGob(data, &f); err != nil {
		return err
	}
	pts, err := algo.UnpackRows("points", f.Points, f.Rows, f.Dim)
	if err != nil {
		return err
	}
	*m = Model{K: f.K, Contamination: f.Contamination, Offset: f.Offset, Points: pts}
	if m.KDist, err = algo.UnpackFloats("k-distances", f.KDist, f.Rows); err != nil {
		return err
	}
	if m.LRD, err = algo.UnpackFloats("reachability densities", f.LRD, f.Rows); err != nil {
		return err
	}
	m.NOF, err = algo.UnpackFloats("outlier factors", f.NOF, f.Rows)
	return err
}
