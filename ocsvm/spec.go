package ocsvm

import (
	"fmt"
	"math"
	"strconv"

	"detector/algo"
)

// Spec registers the One-Class SVM with detector's algorithm registry as
// "ocsvm".
var Spec = algo.Spec{
	Name:  "ocsvm",
	Title: "One-Class SVM",
	Params: []algo.Param{
		{Name: "nu", Default: "0.05", Usage: "upper bound on the share of training outliers, in (0, 1]"},
		{Name: "gamma", Default: "scale", Usage: "RBF kernel width: scale, auto or a positive number"},
	},
	Check: func(a algo.Args) error {
		if _, err := a.Float("nu", 0, 1); err != nil {
			return err
		}
		_, err := ParseGamma(a["gamma"])
		return err
	},
	Fit: func(s algo.Samples, a algo.Args, _ algo.FitOptions) (algo.Detector, error) {
		nu, err := a.Float("nu", 0, 1)
		if err != nil {
			return nil, err
		}
		g, err := ParseGamma(a["gamma"])
		if err != nil {
			return nil, err
		}
		switch a["gamma"] {
		case "scale":
			g = GammaScale(s.Rows)
		case "auto":
			g = GammaAuto(len(s.Rows[0]))
		}
		return Fit(s.Rows, nu, g)
	},
	New: func() algo.Detector { return new(Model) },
}

// ParseGamma checks an RBF kernel width: "scale", "auto" or a positive
// number. It returns the number, or 0 for the two named rules.
func ParseGamma(s string) (float64, error) {
	if s == "scale" || s == "auto" {
		return 0, nil
	}
	g, err := strconv.ParseFloat(s, 64)
	if err != nil || !(g > 0) || math.IsInf(g, 0) {
		return 0, fmt.Errorf("--gamma must be scale, auto or a positive number, not %q", s)
	}
	return g, nil
}

// Score returns DecisionAll of the samples' rows.
func (m *Model) Score(s algo.Samples) []float64 { return m.DecisionAll(s.Rows) }

// Validate checks a decoded model for dim features.
func (m *Model) Validate(dim, n int) error {
	if len(m.SV) == 0 || len(m.SV) != len(m.Alpha) || len(m.SV) > n {
		return fmt.Errorf("has %d support vectors and %d coefficients for %d training samples", len(m.SV), len(m.Alpha), n)
	}
	if len(m.Train) != n {
		return fmt.Errorf("has %d training decisions for %d training samples", len(m.Train), n)
	}
	for i, p := range m.SV {
		if len(p) != dim {
			return fmt.Errorf("support vector %d has %d features, want %d", i, len(p), dim)
		}
		if !algo.Finite(p...) {
			return fmt.Errorf("support vector %d: %w", i, algo.ErrNotFinite)
		}
	}
	if !algo.Finite(m.Alpha...) || !algo.Finite(m.Train...) || !algo.Finite(m.Rho, m.Gamma, m.Nu) || m.Gamma <= 0 {
		return fmt.Errorf("state: %w", algo.ErrNotFinite)
	}
	return nil
}
