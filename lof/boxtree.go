package lof

import (
	"cmp"
	"slices"
)

// boxLeafSize is the largest number of points in a leaf of a boxTree.
const boxLeafSize = 64

// boxTree is a k-d tree over a row-major copy of the points, permuted so
// that every node's points are contiguous, with each node's bounding box.
// It is exact and gives the same neighbours, bit for bit, as the plain
// brute-force scan:
//
//   - a point's squared distance is always summed over the columns in
//     order, as in bruteKNN;
//   - a node is skipped only when the squared distance to its box, summed
//     in the same column order, is strictly above the current k-th squared
//     distance. Rounding is monotone, so |fl(p_j - q_j)| >= fl(gap_j) for
//     every point p in the box, and the box distance is a lower bound on
//     the computed distance of each of its points, not only on the exact
//     one;
//   - a point is dropped once its partial sum is strictly above the k-th
//     squared distance (sums of squares never decrease), and the heap
//     keeps the k smallest (distance, index) pairs whatever the visiting
//     order, so ties at the k-th distance are resolved by index as before.
type boxTree struct {
	d     int
	flat  []float64 // points in leaf order, row-major
	orig  []int32   // orig[r] is the training index of row r of flat
	nodes []boxNode
	box   []float64 // node i's box: lows at [2*i*d, 2*i*d+d), highs after
}

type boxNode struct {
	start, end  int32 // rows [start, end) of flat
	left, right int32 // children, or -1 for a leaf
}

func newBoxTree(points [][]float64, d int) *boxTree {
	n := len(points)
	t := &boxTree{d: d}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	t.build(points, perm, 0)
	t.orig = perm
	t.flat = make([]float64, 0, n*d)
	for _, i := range perm {
		t.flat = append(t.flat, points[i]...)
	}
	return t
}

// build adds the node for perm[...] (rows start onwards) and returns its
// number. It splits at the median of the widest column, ties broken by
// training index, so the tree does not depend on anything but the data.
func (t *boxTree) build(points [][]float64, perm []int32, start int) int32 {
	d := t.d
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, boxNode{start: int32(start), end: int32(start + len(perm)), left: -1, right: -1})
	lo := make([]float64, d)
	hi := make([]float64, d)
	copy(lo, points[perm[0]])
	copy(hi, points[perm[0]])
	for _, i := range perm[1:] {
		for j, v := range points[i] {
			lo[j] = min(lo[j], v)
			hi[j] = max(hi[j], v)
		}
	}
	t.box = append(t.box, lo...)
	t.box = append(t.box, hi...)
	if len(perm) <= boxLeafSize {
		return id
	}
	c, w := 0, hi[0]-lo[0]
	for j := 1; j < d; j++ {
		if hi[j]-lo[j] > w {
			c, w = j, hi[j]-lo[j]
		}
	}
	if w == 0 {
		return id // all points equal: one leaf
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if r := cmp.Compare(points[a][c], points[b][c]); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	})
	mid := len(perm) / 2
	l := t.build(points, perm[:mid], start)
	r := t.build(points, perm[mid:], start+mid)
	t.nodes[id].left, t.nodes[id].right = l, r
	return id
}

// boxDist is the squared distance from q to node i's box, summed in
// column order (a column where q is inside the box adds +0).
func (t *boxTree) boxDist(i int32, q []float64) float64 {
	d := t.d
	b := t.box[2*int(i)*d : 2*int(i)*d+2*d]
	lo, hi := b[:d:d], b[d:2*d:2*d]
	var s float64
	for j, v := range q[:d] {
		g := max(lo[j]-v, v-hi[j], 0)
		s += g * g
	}
	return s
}

// knn fills h (already reset) with the k nearest points to q.
func (t *boxTree) knn(q []float64, h *kHeap) {
	t.search(0, q[:t.d], h)
}

func (t *boxTree) search(i int32, q []float64, h *kHeap) {
	nd := t.nodes[i]
	if nd.left < 0 {
		t.scan(int(nd.start), int(nd.end), q, h)
		return
	}
	a, b := nd.left, nd.right
	da, db := t.boxDist(a, q), t.boxDist(b, q)
	if db < da {
		a, b, da, db = b, a, db, da
	}
	if da <= h.bound() {
		t.search(a, q, h)
	}
	if db <= h.bound() {
		t.search(b, q, h)
	}
}

// scan offers rows [lo, hi) of the tree to h; see scanRows.
func (t *boxTree) scan(lo, hi int, q []float64, h *kHeap) {
	scanRows(t.flat[lo*t.d:hi*t.d], t.d, q, t.orig[lo:hi], h)
}

// partialCols is the number of leading columns summed before a block of
// rows can be dropped.
const partialCols = 5
