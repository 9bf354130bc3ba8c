package lof

import (
	"sort"

	"gonum.org/v1/gonum/spatial/kdtree"
)

// Test-only API: the exact neighbour searches the bounding-box tree is
// checked against. External tests (package lof_test) use it too.

// Search selects the nearest-neighbour algorithm of FitSearch. All give
// the same neighbour distances; they differ only in speed.
type Search int

const (
	// Auto is the package's own bounding-box tree, what Fit uses.
	Auto Search = iota
	// KDTree is gonum's spatial/kdtree.
	KDTree
	// BruteForce scans every training point.
	BruteForce
)

// FitSearch is Fit with the given neighbour search, which the returned
// model also uses for scoring.
func FitSearch(x [][]float64, k int, contamination float64, s Search) (*Model, error) {
	return fit(x, k, contamination, func(points [][]float64, d int) *index { return newSearchIndex(points, d, s) })
}

// newSearchIndex builds an index answering with search s.
func newSearchIndex(points [][]float64, d int, s Search) *index {
	switch s {
	case KDTree:
		ps := make(treePoints, len(points))
		for i, p := range points {
			ps[i] = treePoint{p: p, i: int32(i)}
		}
		tree := kdtree.New(ps, false)
		return &index{d: d, alt: func(q []float64, h *kHeap) {
			tree.NearestSet(treeKeeper{h}, treePoint{p: q, i: -1})
		}}
	case BruteForce:
		flat := make([]float64, 0, len(points)*d)
		for _, p := range points {
			flat = append(flat, p...)
		}
		return &index{d: d, alt: func(q []float64, h *kHeap) { scanRows(flat, d, q, nil, h) }}
	}
	return newIndex(points, d)
}

// treePoint is a point in the k-d tree that remembers its training index.
type treePoint struct {
	p []float64
	i int32
}

func (p treePoint) Compare(c kdtree.Comparable, d kdtree.Dim) float64 {
	return p.p[d] - c.(treePoint).p[d]
}

func (p treePoint) Dims() int { return len(p.p) }

// Distance is the squared Euclidean distance, summed in column order.
func (p treePoint) Distance(c kdtree.Comparable) float64 {
	q := c.(treePoint).p
	var s float64
	for j, v := range p.p {
		t := q[j] - v
		s += float64(t * t)
	}
	return s
}

type treePoints []treePoint

func (p treePoints) Index(i int) kdtree.Comparable         { return p[i] }
func (p treePoints) Len() int                              { return len(p) }
func (p treePoints) Slice(start, end int) kdtree.Interface { return p[start:end] }

// Pivot partitions around the median of dimension d. It sorts rather than
// sampling so that the tree's shape is deterministic.
func (p treePoints) Pivot(d kdtree.Dim) int {
	pl := treePlane{p, int(d)}
	sort.Sort(pl)
	return kdtree.Partition(pl, len(p)/2)
}

type treePlane struct {
	p treePoints
	d int
}

func (p treePlane) Len() int { return len(p.p) }
func (p treePlane) Less(a, b int) bool {
	x, y := p.p[a], p.p[b]
	return x.p[p.d] < y.p[p.d] || (x.p[p.d] == y.p[p.d] && x.i < y.i)
}
func (p treePlane) Swap(a, b int) { p.p[a], p.p[b] = p.p[b], p.p[a] }

// treeKeeper adapts kHeap to kdtree.Keeper. The tree prunes a branch only
// when the splitting plane is strictly farther than Max().Dist, so points
// tied with the k-th distance are still offered and the index order
// decides among them.
type treeKeeper struct{ h *kHeap }

func (k treeKeeper) Keep(c kdtree.ComparableDist) {
	k.h.push(c.Dist, c.Comparable.(treePoint).i)
}

func (k treeKeeper) Max() kdtree.ComparableDist {
	return kdtree.ComparableDist{Comparable: nil, Dist: k.h.bound()}
}

// NearestSet sorts the keeper and may pop a nil sentinel; the kHeap keeps
// no sentinel and is re-sorted by (distance, index) afterwards, so these
// only need to be consistent with a heap of len() elements.
func (k treeKeeper) Len() int           { return len(k.h.d2) }
func (k treeKeeper) Less(a, b int) bool { return k.h.greater(a, b) }
func (k treeKeeper) Swap(a, b int)      { k.h.swap(a, b) }
func (k treeKeeper) Push(x any)         {}
func (k treeKeeper) Pop() any           { return nil }
