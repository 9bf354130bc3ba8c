package iforest

import (
	"errors"
	"fmt"
	"math"
)

// Validate checks that a model (typically decoded from a file someone else
// may have written) is a forest Fit could have grown for rows of d
// features and n training samples, so that scoring with it terminates, stays in bounds and gives
// scores in [-1, 0):
//
//   - the node arrays have one length, and each tree's nodes lie in
//     [TreeStart[t], TreeStart[t+1]) with at most 2*MaxSamples-1 nodes;
//   - every inner node has a feature in [0, d), a finite threshold, and two
//     children later in its own tree (so there is no cycle), the left one
//     next to it (depth-first order); every node but a root has exactly
//     one parent, and no inner node lies at MaxDepth(MaxSamples) or deeper;
//   - each root holds MaxSamples rows, each node's rows are its children's
//     together, and every node holds at least one;
//   - the contamination is 0 (auto, with Offset -0.5) or in (0, 0.5] with
//     Offset in [-1, 0], and the training decisions are finite, in
//     [-1, 1], one per training sample: n of them, at least MaxSamples.
func (m *Model) Validate(d, n int) error {
	if len(m.Train) != n {
		return fmt.Errorf("isolation forest has %d training decisions for %d training samples", len(m.Train), n)
	}
	if d < 1 || m.Features != d {
		return fmt.Errorf("isolation forest has %d features, want %d", m.Features, d)
	}
	if m.MaxSamples < 1 || m.MaxSamples > math.MaxInt32/2 {
		return fmt.Errorf("isolation forest has max samples %d", m.MaxSamples)
	}
	trees := len(m.TreeStart) - 1
	if trees < 1 || trees > maxTrees {
		return fmt.Errorf("isolation forest has %d trees, want 1 to %d", trees, maxTrees)
	}
	nodes := len(m.Feature)
	if len(m.Threshold) != nodes || len(m.Left) != nodes || len(m.Right) != nodes || len(m.NodeSamples) != nodes {
		return fmt.Errorf("isolation forest node arrays differ in length (%d features, %d thresholds, %d left, %d right, %d counts)",
			nodes, len(m.Threshold), len(m.Left), len(m.Right), len(m.NodeSamples))
	}
	if int64(nodes) > int64(trees)*int64(2*m.MaxSamples-1) {
		return fmt.Errorf("isolation forest has %d nodes, more than %d trees of %d rows can have", nodes, trees, m.MaxSamples)
	}
	if m.TreeStart[0] != 0 || int(m.TreeStart[trees]) != nodes {
		return fmt.Errorf("isolation forest trees span nodes %d to %d of %d", m.TreeStart[0], m.TreeStart[trees], nodes)
	}
	maxDepth := int32(MaxDepth(m.MaxSamples))
	parents := make([]bool, nodes)
	depth := make([]int32, nodes)
	for t := range trees {
		lo, hi := m.TreeStart[t], m.TreeStart[t+1]
		if lo < 0 || hi <= lo || int(hi) > nodes || int64(hi)-int64(lo) > int64(2*m.MaxSamples-1) {
			return fmt.Errorf("isolation forest tree %d spans nodes %d to %d of %d, at most %d", t, lo, hi, nodes, 2*m.MaxSamples-1)
		}
		if int(m.NodeSamples[lo]) != m.MaxSamples {
			return fmt.Errorf("isolation forest tree %d holds %d rows, want %d", t, m.NodeSamples[lo], m.MaxSamples)
		}
		for i := lo; i < hi; i++ {
			if i > lo && !parents[i] {
				return fmt.Errorf("isolation forest node %d of tree %d has no parent", i, t)
			}
			if m.NodeSamples[i] < 1 {
				return fmt.Errorf("isolation forest node %d holds %d rows", i, m.NodeSamples[i])
			}
			f, l, r := m.Feature[i], m.Left[i], m.Right[i]
			if f == -1 {
				if l != -1 || r != -1 || m.Threshold[i] != 0 {
					return fmt.Errorf("isolation forest leaf %d has children or a threshold", i)
				}
				continue
			}
			if f < 0 || int(f) >= d {
				return fmt.Errorf("isolation forest node %d splits on feature %d of %d", i, f, d)
			}
			if th := m.Threshold[i]; math.IsNaN(th) || math.IsInf(th, 0) {
				return fmt.Errorf("isolation forest node %d has threshold %v", i, th)
			}
			if l != i+1 || r <= l || r >= hi {
				return fmt.Errorf("isolation forest node %d has children %d and %d, want %d and one in (%d, %d)", i, l, r, i+1, i+1, hi)
			}
			if depth[i] >= maxDepth {
				return fmt.Errorf("isolation forest node %d splits at depth %d, the limit is %d", i, depth[i], maxDepth)
			}
			if int64(m.NodeSamples[l])+int64(m.NodeSamples[r]) != int64(m.NodeSamples[i]) {
				return fmt.Errorf("isolation forest node %d holds %d rows, its children %d and %d", i, m.NodeSamples[i], m.NodeSamples[l], m.NodeSamples[r])
			}
			if parents[l] || parents[r] {
				return fmt.Errorf("isolation forest node %d shares a child with another node", i)
			}
			parents[l], parents[r] = true, true
			depth[l] = depth[i] + 1
			depth[r] = depth[i] + 1
		}
	}
	switch {
	case m.Contamination == 0:
		if m.Offset != -0.5 {
			return fmt.Errorf("isolation forest with contamination auto has offset %v, want -0.5", m.Offset)
		}
	case m.Contamination > 0 && m.Contamination <= 0.5:
		if !(m.Offset >= -1 && m.Offset <= 0) {
			return fmt.Errorf("isolation forest offset %v is outside the score range [-1, 0]", m.Offset)
		}
	default:
		return fmt.Errorf("isolation forest contamination %v not in (0, 0.5] or auto", m.Contamination)
	}
	if len(m.Train) < m.MaxSamples {
		return fmt.Errorf("isolation forest has %d training decisions for trees of %d rows", len(m.Train), m.MaxSamples)
	}
	for _, v := range m.Train {
		if !(v >= -1 && v <= 1) {
			return errors.New("isolation forest holds a training decision outside [-1, 1]")
		}
	}
	return nil
}
