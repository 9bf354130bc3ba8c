package ocsvm

import (
	"fmt"
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
	if err != nil || !(g >= MinGamma && g <= MaxGamma) {
		return 0, fmt.Errorf("--gamma must be scale, auto or a number in [%g, %g], not %q", MinGamma, MaxGamma, s)
	}
	return g, nil
}

// Score returns DecisionAll of the samples' rows.
func (m *Model) Score(s algo.Samples) []float64 { return m.DecisionAll(s.Rows) }

// StoredRows returns the support vectors.
func (m *Model) StoredRows() [][]float64 { return m.SV }

// fileModel is a Model as a model file keeps it: arrays packed flat
// (algo.PackFloats), so that decoding a crafted file costs no more memory
// than its size.
type fileModel struct {
	Vectors, Dim int
	SV           []byte
	Alpha        []byte
	Train        []byte
	TrainRows    int
	Rho          float64
	Gamma        float64
	Nu           float64
	Iterations   int
}

// GobEncode implements gob.GobEncoder.
func (m *Model) GobEncode() ([]byte, error) {
	f := fileModel{Vectors: len(m.SV), SV: algo.PackRows(m.SV), Alpha: algo.PackFloats(m.Alpha),
		Train: algo.PackFloats(m.Train), TrainRows: len(m.Train),
		Rho: m.Rho, Gamma: m.Gamma, Nu: m.Nu, Iterations: m.Iterations}
	if len(m.SV) > 0 {
		f.Dim = len(m.SV[0])
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
	sv, err := algo.UnpackRows("support vectors", f.SV, f.Vectors, f.Dim)
	if err != nil {
		return err
	}
	*m = Model{SV: sv, Rho: f.Rho, Gamma: f.Gamma, Nu: f.Nu, Iterations: f.Iterations}
	if m.Alpha, err = algo.UnpackFloats("coefficients", f.Alpha, f.Vectors); err != nil {
		return err
	}
	m.Train, err = algo.UnpackFloats("training decisions", f.Train, f.TrainRows)
	return err
}
