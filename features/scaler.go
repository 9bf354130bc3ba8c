package features

import (
	"errors"
	"fmt"
	"math"
)

// Scaler standardizes feature vectors the way scikit-learn's StandardScaler
// does: each column has its training mean subtracted and is divided by its
// population standard deviation (divisor n, not n-1). A column that is
// constant on the training set keeps scale 1, so it is centred but never
// divided by zero.
//
// The zero Scaler is not usable; build one with FitScaler. Fields are
// exported so that the scaler can be stored with encoding/gob.
type Scaler struct {
	Mean  []float64
	Scale []float64
}

// FitScaler computes per-column means and population standard deviations
// of rows. Every row must have the same, non-zero length.
func FitScaler(rows [][]float64) (*Scaler, error) {
	d, err := CheckRows(rows)
	if err != nil {
		return nil, fmt.Errorf("fit scaler: %w", err)
	}
	mean := make([]float64, d)
	for _, r := range rows {
		for j, v := range r {
			mean[j] += v
		}
	}
	n := float64(len(rows))
	for j := range mean {
		mean[j] /= n
	}
	// Two-pass variance: numerically safer than the sum-of-squares shortcut.
	scale := make([]float64, d)
	for _, r := range rows {
		for j, v := range r {
			dv := v - mean[j]
			scale[j] += dv * dv
		}
	}
	for j := range scale {
		v := scale[j] / n
		// A variance within the error bound of the two-pass algorithm
		// (Chan, Golub and LeVeque) is indistinguishable from zero; this is
		// scikit-learn's own test, so near-constant columns agree with it.
		if v <= n*epsilon*v+(n*mean[j]*epsilon)*(n*mean[j]*epsilon) {
			scale[j] = 1
			continue
		}
		scale[j] = math.Sqrt(v)
	}
	return &Scaler{Mean: mean, Scale: scale}, nil
}

const epsilon = 2.220446049250313e-16

// Dim is the number of columns the scaler was fitted on.
func (s *Scaler) Dim() int { return len(s.Mean) }

// Transform returns the standardized copy of x. x must have Dim columns.
func (s *Scaler) Transform(x []float64) []float64 {
	z := make([]float64, len(x))
	for j, v := range x {
		z[j] = (v - s.Mean[j]) / s.Scale[j]
	}
	return z
}

// TransformAll standardizes every row of rows into new slices.
func (s *Scaler) TransformAll(rows [][]float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		out[i] = s.Transform(r)
	}
	return out
}

// CheckRows returns the common length of rows, or an error for no rows,
// empty or ragged rows and values that are NaN or infinite.
func CheckRows(rows [][]float64) (int, error) {
	if len(rows) == 0 {
		return 0, errors.New("no rows")
	}
	d := len(rows[0])
	if d == 0 {
		return 0, errors.New("rows have no columns")
	}
	for i, r := range rows {
		if len(r) != d {
			return 0, fmt.Errorf("row %d has %d columns, want %d", i, len(r), d)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("row %d column %d is %v", i, j, v)
			}
		}
	}
	return d, nil
}
