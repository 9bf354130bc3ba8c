// Package lof scores feature vectors with the Local Outlier Factor of
// Breunig et al. (2000), computed exactly as scikit-learn 1.2's
// LocalOutlierFactor(novelty=True, metric="euclidean").
//
// Fit takes already-standardized training rows and a neighbourhood size k;
// the fitted Model scores new rows with Decision, which is scikit-learn's
// decision_function: score_samples(x) - offset_, that is Offset - LOF(x)
// with the sign flipped so that a value above 0 is an inlier and a value
// below 0 an outlier. With the default contamination ("auto") the offset is
// -1.5, so Decision(x) = 1.5 - LOF(x).
//
// Neighbours are exact Euclidean k nearest neighbours, found with a k-d
// tree of bounding boxes whose leaves are scanned four rows at a time
// (with AVX2 where available). The tests check it, bit for bit, against
// gonum's k-d tree and a plain brute-force scan: every squared distance is
// summed over the columns in order, without fused multiply-add, and a
// candidate or a box is dropped only when a lower bound on its rounded
// distance is strictly above the current k-th.
// Among points at exactly the same distance the lower training index is
// taken first, so results never depend on search order or on GOMAXPROCS.
package lof

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"detector/features"
)

// lrdEpsilon is added to the mean reachability distance before inverting
// it, as scikit-learn does, so that a point with k duplicates has a large
// but finite local reachability density.
const lrdEpsilon = 1e-10

// Model is a fitted Local Outlier Factor novelty detector. All fields are
// exported so that it can be stored with encoding/gob; treat them as
// read-only. The zero Model is not usable; build one with Fit.
type Model struct {
	// K is the number of neighbours (scikit-learn's n_neighbors_).
	K int
	// Contamination is the value passed to Fit; 0 means "auto".
	Contamination float64
	// Points are the training rows, already standardized, one per row.
	Points [][]float64
	// KDist[i] is the Euclidean distance from training point i to its k-th
	// nearest other training point.
	KDist []float64
	// LRD[i] is the local reachability density of training point i:
	// 1 / (mean reachability distance to its k neighbours + 1e-10).
	LRD []float64
	// NOF[i] is scikit-learn's negative_outlier_factor_ of training point
	// i: minus its LOF, where its own neighbourhood excludes itself.
	NOF []float64
	// Offset is subtracted from score_samples to give Decision: -1.5 for
	// contamination "auto", else the contamination quantile of NOF.
	Offset float64

	mu    sync.Mutex
	index *index // built lazily from Points; not stored
}

// Fit fits LocalOutlierFactor(novelty=True, n_neighbors=k,
// contamination=c) on the standardized rows x. A contamination c <= 0
// means "auto" (offset -1.5); 0 < c <= 0.5 sets the offset to the
// 100*c-th percentile of the training rows' negative outlier factors
// (numpy's linear interpolation), so that a fraction c of them has a
// Decision below 0. k must satisfy 1 <= k < len(x).
func Fit(x [][]float64, k int, contamination float64) (*Model, error) {
	return fit(x, k, contamination, newIndex)
}

// fit is Fit with the neighbour index that newIx builds (the tests pass
// other exact searches); the returned model scores with the same index.
func fit(x [][]float64, k int, contamination float64, newIx func(points [][]float64, d int) *index) (*Model, error) {
	d, err := features.CheckRows(x)
	if err != nil {
		return nil, fmt.Errorf("fit lof: %w", err)
	}
	n := len(x)
	if k < 1 || k >= n {
		return nil, fmt.Errorf("fit lof: neighbours %d out of range [1, %d] for %d rows", k, n-1, n)
	}
	if math.IsNaN(contamination) || contamination > 0.5 {
		return nil, fmt.Errorf("fit lof: contamination %v not in (0, 0.5] or auto", contamination)
	}
	if contamination < 0 {
		contamination = 0
	}
	m := &Model{K: k, Contamination: contamination}
	m.Points = make([][]float64, n)
	for i, r := range x {
		m.Points[i] = append([]float64(nil), r...)
	}
	ix := newIx(m.Points, d)
	m.index = ix

	// k nearest other training points of every training point.
	nbIdx := make([]int32, n*k)
	nbDist := make([]float64, n*k)
	// With a tree, visit the points leaf by leaf so that consecutive
	// queries touch the same rows.
	order := ix.order()
	parallel(n, func(lo, hi int) {
		h := newKHeap(k)
		for r := lo; r < hi; r++ {
			i := r
			if order != nil {
				i = int(order[r])
			}
			ix.knn(m.Points[i], i, h)
			h.sorted(nbIdx[i*k:(i+1)*k], nbDist[i*k:(i+1)*k])
		}
	})
	m.KDist = make([]float64, n)
	for i := range m.KDist {
		m.KDist[i] = nbDist[i*k+k-1]
	}
	m.LRD = make([]float64, n)
	parallel(n, func(lo, hi int) {
		buf := make([]float64, k)
		for i := lo; i < hi; i++ {
			m.LRD[i] = m.lrd(nbIdx[i*k:(i+1)*k], nbDist[i*k:(i+1)*k], buf)
		}
	})
	m.NOF = make([]float64, n)
	parallel(n, func(lo, hi int) {
		buf := make([]float64, k)
		for i := lo; i < hi; i++ {
			m.NOF[i] = m.score(m.LRD[i], nbIdx[i*k:(i+1)*k], buf)
		}
	})
	if contamination == 0 {
		m.Offset = -1.5
	} else {
		m.Offset = percentile(m.NOF, 100*contamination)
	}
	return m, nil
}

// lrd is the local reachability density of a point whose k neighbours
// (training indices) are nb at distances dist; buf has length k.
func (m *Model) lrd(nb []int32, dist []float64, buf []float64) float64 {
	for j, o := range nb {
		buf[j] = math.Max(dist[j], m.KDist[o])
	}
	return 1 / (pairwiseSum(buf)/float64(len(buf)) + lrdEpsilon)
}

// score is score_samples: minus the mean ratio of the neighbours' lrd to
// the point's own lrd.
func (m *Model) score(lrd float64, nb []int32, buf []float64) float64 {
	for j, o := range nb {
		buf[j] = m.LRD[o] / lrd
	}
	return -(pairwiseSum(buf) / float64(len(buf)))
}

// Decision returns scikit-learn's decision_function for the standardized
// row x: score_samples(x) - Offset, above 0 for an inlier. Its neighbours
// are the K nearest training points, including any exact copy of x. A row
// of the wrong length or with NaN gives NaN.
func (m *Model) Decision(x []float64) float64 {
	if !m.validRow(x) {
		return math.NaN()
	}
	ix := m.getIndex()
	h := newKHeap(m.K)
	nb := make([]int32, m.K)
	dist := make([]float64, m.K)
	buf := make([]float64, m.K)
	return m.decide(ix, h, x, nb, dist, buf)
}

func (m *Model) decide(ix *index, h *kHeap, x []float64, nb []int32, dist, buf []float64) float64 {
	ix.knn(x, -1, h)
	h.sorted(nb, dist)
	return m.score(m.lrd(nb, dist, buf), nb, buf) - m.Offset
}

// DecisionAll returns Decision of every row of x, in order, computed on
// all cores (GOMAXPROCS goroutines).
func (m *Model) DecisionAll(x [][]float64) []float64 {
	out := make([]float64, len(x))
	if len(x) == 0 {
		return out
	}
	ix := m.getIndex()
	order := ix.queryOrder(x, m.validRow)
	parallel(len(x), func(lo, hi int) {
		h := newKHeap(m.K)
		nb := make([]int32, m.K)
		dist := make([]float64, m.K)
		buf := make([]float64, m.K)
		for r := lo; r < hi; r++ {
			i := r
			if order != nil {
				i = int(order[r])
			}
			if !m.validRow(x[i]) {
				out[i] = math.NaN()
				continue
			}
			out[i] = m.decide(ix, h, x[i], nb, dist, buf)
		}
	})
	return out
}

// TrainingDecision returns the decision of the training points themselves
// as scikit-learn reports it: negative_outlier_factor_ - offset_, where
// each point's neighbourhood excludes the point itself.
func (m *Model) TrainingDecision() []float64 {
	out := make([]float64, len(m.NOF))
	for i, v := range m.NOF {
		out[i] = v - m.Offset
	}
	return out
}

// Params describes the model for display: "neighbors", "contamination"
// ("auto" or the fraction) and "offset".
func (m *Model) Params() map[string]string {
	c := "auto"
	if m.Contamination > 0 {
		c = strconv.FormatFloat(m.Contamination, 'g', -1, 64)
	}
	return map[string]string{
		"neighbors":     strconv.Itoa(m.K),
		"contamination": c,
		"offset":        strconv.FormatFloat(m.Offset, 'g', -1, 64),
		"training_rows": strconv.Itoa(len(m.Points)),
	}
}

func (m *Model) validRow(x []float64) bool {
	if len(m.Points) == 0 || len(x) != len(m.Points[0]) {
		return false
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// getIndex returns the neighbour index, building it on first use (after
// gob decoding the model has none).
func (m *Model) getIndex() *index {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.index == nil {
		d := 0
		if len(m.Points) > 0 {
			d = len(m.Points[0])
		}
		m.index = newIndex(m.Points, d)
	}
	return m.index
}

// percentile is numpy.percentile(a, q) with the default linear method.
func percentile(a []float64, q float64) float64 {
	s := append([]float64(nil), a...)
	sort.Float64s(s)
	vi := float64(len(s)-1) * (q / 100)
	prev := math.Floor(vi)
	lo := int(prev)
	hi := lo + 1
	if hi > len(s)-1 {
		hi = len(s) - 1
	}
	if lo > len(s)-1 {
		lo = len(s) - 1
	}
	g := vi - prev
	a0, b0 := s[lo], s[hi]
	diff := b0 - a0
	if g >= 0.5 {
		return b0 - diff*(1-g)
	}
	return a0 + diff*g
}

// pairwiseSum adds a the way numpy's add.reduce does for a contiguous
// float64 array (pairwise summation with eight accumulators), so that
// means agree with numpy's to the last bit.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		s := (r[0] + r[1]) + (r[2] + r[3]) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}

// parallel runs fn over [0, n) split into contiguous chunks on GOMAXPROCS
// goroutines. Each index is handled exactly once, so results written per
// index do not depend on scheduling.
func parallel(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	const minChunk = 64
	chunks := w * 8
	if c := (n + minChunk - 1) / minChunk; c < chunks {
		chunks = c
	}
	if chunks <= 1 || w == 1 {
		fn(0, n)
		return
	}
	size := (n + chunks - 1) / chunks
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < w; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := int(next)
				next += int64(size)
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
