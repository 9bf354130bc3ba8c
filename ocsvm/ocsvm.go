// Package ocsvm is a One-Class Support Vector Machine with the Gaussian
// (RBF) kernel, trained as scikit-learn 1.2's OneClassSVM(kernel="rbf")
// trains it: LIBSVM's nu formulation solved by SMO with second-order
// working-set selection (Fan, Chen and Lin, JMLR 6, 2005).
//
// Fit takes already-standardized training rows, nu in (0, 1] (an upper
// bound on the fraction of training outliers and a lower bound on the
// fraction of support vectors) and the kernel width gamma, with
// K(a, b) = exp(-gamma * |a - b|^2). The fitted Model's Decision is
// scikit-learn's decision_function: sum_i alpha_i K(sv_i, x) - rho, with
// LIBSVM's scaling (the alphas lie in [0, 1] and sum to nu * n). A value
// above 0 is an inlier, below 0 an outlier.
//
// Training is deterministic: the same rows give the same model and the
// same scores whatever GOMAXPROCS is.
package ocsvm

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"

	"detector/features"
)

// Model is a fitted One-Class SVM. All fields are exported so that it can
// be stored with encoding/gob; treat them as read-only.
type Model struct {
	// SV are the support vectors (standardized training rows with a
	// non-zero alpha), in training order.
	SV [][]float64
	// Alpha[i] is the dual coefficient of SV[i] (scikit-learn's
	// dual_coef_), in (0, 1].
	Alpha []float64
	// Rho is the offset (scikit-learn's -intercept_).
	Rho float64
	// Gamma is the RBF kernel width, in inverse squared standardized units.
	Gamma float64
	// Nu is the nu parameter given to Fit.
	Nu float64
	// Train is the decision of every training row, in training order,
	// taken from the solver's final gradient: it agrees with Decision of
	// the same row to about 1e-6 (the solver keeps kernel values as
	// float32, as LIBSVM does).
	Train []float64
	// Iterations is the number of SMO iterations the solver ran.
	Iterations int
}

// CacheBytes bounds the kernel column cache used by Fit, in bytes
// (scikit-learn's default cache_size is 200 MB). Columns are stored as
// float32, as in LIBSVM.
var CacheBytes = 200 << 20

// tolerance is the stopping tolerance of the solver (scikit-learn's tol).
const tolerance = 1e-3

// GammaScale returns scikit-learn's gamma="scale" for the standardized
// matrix x: 1 / (n_features * var), where var is the population variance
// of all entries of x together; 1 if that variance is 0 or x is empty.
func GammaScale(x [][]float64) float64 {
	if len(x) == 0 || len(x[0]) == 0 {
		return 1
	}
	var n, sum float64
	for _, r := range x {
		for _, v := range r {
			sum += v
			n++
		}
	}
	mean := sum / n
	var ss float64
	for _, r := range x {
		for _, v := range r {
			d := v - mean
			ss += d * d
		}
	}
	v := ss / n
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	return 1 / (float64(len(x[0])) * v)
}

// GammaAuto returns scikit-learn's gamma="auto": 1 / nFeatures (1 if
// nFeatures < 1).
func GammaAuto(nFeatures int) float64 {
	if nFeatures < 1 {
		return 1
	}
	return 1 / float64(nFeatures)
}

// Fit trains OneClassSVM(kernel="rbf", nu=nu, gamma=gamma, tol=1e-3,
// shrinking=True) on the standardized rows x. It needs 0 < nu <= 1 and
// MinGamma <= gamma <= MaxGamma.
func Fit(x [][]float64, nu, gamma float64) (*Model, error) {
	d, err := features.CheckRows(x)
	if err != nil {
		return nil, fmt.Errorf("fit one-class svm: %w", err)
	}
	if !(nu > 0 && nu <= 1) {
		return nil, fmt.Errorf("fit one-class svm: nu %v not in (0, 1]", nu)
	}
	if !(gamma >= MinGamma && gamma <= MaxGamma) {
		return nil, fmt.Errorf("fit one-class svm: gamma %v not in [%g, %g]", gamma, MinGamma, MaxGamma)
	}
	s := newSolver(x, d, nu, gamma, CacheBytes)
	s.solve()
	alpha := s.solution()
	m := &Model{Rho: s.rho, Gamma: gamma, Nu: nu, Iterations: s.iter}
	for i, a := range alpha {
		if a != 0 {
			m.SV = append(m.SV, append([]float64(nil), x[i]...))
			m.Alpha = append(m.Alpha, a)
		}
	}
	m.Train = s.trainingDecision()
	return m, nil
}

// Decision returns sum_i Alpha[i] * exp(-Gamma*|SV[i] - x|^2) - Rho for
// the standardized row x: above 0 inlier, below 0 outlier. A row of the
// wrong length or with NaN gives NaN.
func (m *Model) Decision(x []float64) float64 {
	if !m.validRow(x) {
		return math.NaN()
	}
	return m.decision(x)
}

func (m *Model) decision(x []float64) float64 {
	var sum float64
	for i, sv := range m.SV {
		var d2 float64
		for j, v := range sv {
			t := v - x[j]
			d2 += t * t
		}
		sum += m.Alpha[i] * math.Exp(-m.Gamma*d2)
	}
	return sum - m.Rho
}

// DecisionAll returns Decision of every row of x, in order, computed on
// all cores (GOMAXPROCS goroutines).
func (m *Model) DecisionAll(x [][]float64) []float64 {
	out := make([]float64, len(x))
	parallel(len(x), 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if m.validRow(x[i]) {
				out[i] = m.decision(x[i])
			} else {
				out[i] = math.NaN()
			}
		}
	})
	return out
}

// TrainingDecision returns the decision of the training rows, in training
// order, as computed at Fit (see Train).
func (m *Model) TrainingDecision() []float64 {
	return append([]float64(nil), m.Train...)
}

// Params describes the model for display: "nu", "gamma", "rho",
// "support_vectors" and "iterations".
func (m *Model) Params() map[string]string {
	// Six significant digits: these are for people (inspect, the report's
	// summary); the model file keeps the exact values.
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	return map[string]string{
		"nu":              f(m.Nu),
		"gamma":           f(m.Gamma),
		"rho":             f(m.Rho),
		"support_vectors": strconv.Itoa(len(m.SV)),
		"iterations":      strconv.Itoa(m.Iterations),
	}
}

func (m *Model) validRow(x []float64) bool {
	if len(m.SV) == 0 || len(x) != len(m.SV[0]) {
		return false
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// parallel runs fn over [0, n) in contiguous chunks of at least minChunk
// on GOMAXPROCS goroutines; each index is handled exactly once.
func parallel(n, minChunk int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	chunks := w * 8
	if c := (n + minChunk - 1) / minChunk; c < chunks {
		chunks = c
	}
	if chunks <= 1 || w == 1 {
		fn(0, n)
		return
	}
	size := (n + chunks - 1) / chunks
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for g := 0; g < w; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += size
				mu.Unlock()
				if lo >= n {
					return
				}
				fn(lo, min(lo+size, n))
			}
		}()
	}
	wg.Wait()
}
