package lof

import (
	"errors"
	"fmt"
	"math"
)

// validate checks a model read from storage for the invariants Fit
// establishes, so that a crafted or damaged model cannot score at all
// rather than score wrongly: d columns in every point, 1 <= K < points,
// finite non-negative k-distances no larger than the points' extent,
// local reachability densities in (0, 1e10], negative outlier factors
// below 0, a contamination of auto (0) or in (0, 0.5], and an offset that
// is exactly what Fit derives from them (-1.5 for auto, else the
// contamination percentile of the negative outlier factors).
func (m *Model) validate(d int) error {
	n := len(m.Points)
	if n < 2 {
		return fmt.Errorf("%d training points, want at least 2", n)
	}
	if m.K < 1 || m.K >= n {
		return fmt.Errorf("k = %d for %d points", m.K, n)
	}
	if len(m.KDist) != n || len(m.LRD) != n || len(m.NOF) != n {
		return errors.New("per-point state does not match the points")
	}
	// The extent of the points bounds every distance between them.
	lo, hi := make([]float64, d), make([]float64, d)
	for i, p := range m.Points {
		if len(p) != d {
			return fmt.Errorf("point %d has %d features, want %d", i, len(p), d)
		}
		for j, v := range p {
			if !finite(v) {
				return fmt.Errorf("point %d feature %d is %v", i, j, v)
			}
			if i == 0 || v < lo[j] {
				lo[j] = v
			}
			if i == 0 || v > hi[j] {
				hi[j] = v
			}
		}
	}
	var ext float64
	for j := range lo {
		ext += (hi[j] - lo[j]) * (hi[j] - lo[j])
	}
	diam := math.Sqrt(ext) * (1 + 1e-9)
	if !finite(diam) {
		return errors.New("points too far apart")
	}
	for i := range n {
		if kd := m.KDist[i]; !finite(kd) || kd < 0 || kd > diam {
			return fmt.Errorf("k-distance %v of point %d outside [0, %v]", kd, i, diam)
		}
		// lrd = 1 / (mean reachability distance + 1e-10), and every
		// reachability distance is at most the extent.
		if l := m.LRD[i]; !finite(l) || l <= 0 || l > 1/lrdEpsilon*(1+1e-9) || l*(diam+lrdEpsilon) < 1-1e-9 {
			return fmt.Errorf("local reachability density %v of point %d is impossible", l, i)
		}
		if v := m.NOF[i]; !finite(v) || v >= 0 {
			return fmt.Errorf("negative outlier factor %v of point %d is not negative", v, i)
		}
	}
	switch c := m.Contamination; {
	case c == 0:
		if m.Offset != -1.5 {
			return fmt.Errorf("offset %v with contamination auto, want -1.5", m.Offset)
		}
	case c > 0 && c <= 0.5:
		if want := percentile(m.NOF, 100*c); m.Offset != want {
			return fmt.Errorf("offset %v is not the %v quantile of the training scores (%v)", m.Offset, c, want)
		}
	default:
		return fmt.Errorf("contamination %v not in (0, 0.5] or auto", c)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
