package lof

import (
	"errors"
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

// Validate checks a decoded model for dim features and n training rows.
func (m *Model) Validate(dim, n int) error {
	if len(m.Points) != n {
		return fmt.Errorf("holds %d points for %d training samples", len(m.Points), n)
	}
	if m.K < 1 || m.K >= n {
		return fmt.Errorf("has k = %d for %d points", m.K, n)
	}
	if len(m.KDist) != n || len(m.LRD) != n || len(m.NOF) != n {
		return errors.New("per-point state does not match its points")
	}
	for i, p := range m.Points {
		if len(p) != dim {
			return fmt.Errorf("point %d has %d features, want %d", i, len(p), dim)
		}
		if !algo.Finite(p...) {
			return fmt.Errorf("point %d: %w", i, algo.ErrNotFinite)
		}
	}
	if !algo.Finite(m.KDist...) || !algo.Finite(m.LRD...) || !algo.Finite(m.NOF...) || !algo.Finite(m.Offset, m.Contamination) {
		return fmt.Errorf("state: %w", algo.ErrNotFinite)
	}
	return nil
}
