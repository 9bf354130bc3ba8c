package ocsvm

import (
	"errors"
	"fmt"
	"math"
)

// Bounds on the kernel width that Fit accepts and Validate expects: a
// width far outside them makes every kernel value 0 or 1 to the last bit,
// so that scores no longer depend on the sample.
const (
	MinGamma = 1e-12
	MaxGamma = 1e12
)

// Validate checks a model read from storage for the invariants Fit
// establishes for n training rows of d features, so that a crafted or
// damaged model cannot score at all rather than score wrongly: 1 to n
// support vectors of d finite features, nu in (0, 1], gamma in [MinGamma,
// MaxGamma], coefficients in (0, 1] summing to nu*n, 0 < rho <= that sum
// (every decision then lies in [-rho, nu*n - rho]), n finite training
// decisions in that range, and a non-negative iteration count.
func (m *Model) Validate(d, n int) error {
	if len(m.SV) == 0 || len(m.SV) > n || len(m.SV) != len(m.Alpha) {
		return fmt.Errorf("%d support vectors and %d coefficients for %d training rows", len(m.SV), len(m.Alpha), n)
	}
	for i, sv := range m.SV {
		if len(sv) != d {
			return fmt.Errorf("support vector %d has %d features, want %d", i, len(sv), d)
		}
		for j, v := range sv {
			if !finite(v) {
				return fmt.Errorf("support vector %d feature %d is %v", i, j, v)
			}
		}
	}
	if !(m.Nu > 0 && m.Nu <= 1) {
		return fmt.Errorf("nu %v not in (0, 1]", m.Nu)
	}
	if !(m.Gamma >= MinGamma && m.Gamma <= MaxGamma) {
		return fmt.Errorf("gamma %v not in [%g, %g]", m.Gamma, MinGamma, MaxGamma)
	}
	var sum float64
	for i, a := range m.Alpha {
		if !(a > 0 && a <= 1) {
			return fmt.Errorf("coefficient %v of support vector %d not in (0, 1]", a, i)
		}
		sum += a
	}
	want := m.Nu * float64(n)
	if math.Abs(sum-want) > 1e-6*want+1e-9 {
		return fmt.Errorf("coefficients sum to %v, want nu * rows = %v", sum, want)
	}
	if !(m.Rho > 0 && m.Rho <= sum) {
		return fmt.Errorf("rho %v not in (0, %v]", m.Rho, sum)
	}
	if len(m.Train) != n {
		return fmt.Errorf("%d training decisions for %d training rows", len(m.Train), n)
	}
	// The solver's decisions come from float32 kernel values: allow for
	// their rounding.
	tol := 1e-5 * (1 + sum)
	for i, v := range m.Train {
		if !finite(v) || v < -m.Rho-tol || v > sum-m.Rho+tol {
			return fmt.Errorf("training decision %v of row %d outside [%v, %v]", v, i, -m.Rho, sum-m.Rho)
		}
	}
	if m.Iterations < 0 {
		return errors.New("negative iteration count")
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
