package lof

import (
	"cmp"
	"math/bits"
	"slices"
)

// boxLeafSize is the largest number of points in a leaf of a boxTree.
const boxLeafSize = 256

// maxLeafBlocks is the most blocks of four rows scanned at once (at most
// 64, the bits of scanBlocks' mask).
const maxLeafBlocks = 64

// boxTree is a k-d tree whose nodes hold contiguous runs of the points
// (permuted by the build) and their bounding boxes; each leaf's points
// are stored in blocks of four rows, column by column, for scanBlocks.
// It is exact and gives the same neighbours, bit for bit, as the plain
// brute-force scan:
//
//   - a point's squared distance is always summed over the columns in
//     order, without fused multiply-add, as in bruteKNN;
//   - a node is skipped only when the squared distance from the query to
//     its box, summed in the same column order, is strictly above the
//     current k-th squared distance. Rounding is monotone, so
//     |fl(p_j - q_j)| >= fl(gap_j) for every point p in the box, and the
//     box distance is a lower bound on the computed distance of each of
//     its points, not only on the exact one;
//   - a leaf's points are offered to the heap only when their distance is
//     at most the k-th distance (the one at the start of the leaf, then
//     again the current one), and the heap keeps the k smallest
//     (distance, index) pairs whatever the visiting order, so ties at the
//     k-th distance are resolved by index as before.
type boxTree struct {
	d     int
	orig  []int32 // orig[r] is the training index of tree row r
	nodes []boxNode
	box   []float64 // node i's box: lows at [2*i*d, 2*i*d+d), highs after
	// blk holds each leaf's rows in blocks of four, column by column (see
	// scanBlocks); a leaf's last block is padded with zeros.
	blk []float64
}

type boxNode struct {
	start, end  int32 // tree rows [start, end)
	left, right int32 // children, or -1 for a leaf
	blk         int32 // a leaf's first block in blk
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
	nblk := 0
	for i := range t.nodes {
		if nd := &t.nodes[i]; nd.left < 0 {
			nd.blk = int32(nblk)
			nblk += (int(nd.end-nd.start) + 3) / 4
		}
	}
	t.blk = make([]float64, nblk*4*d)
	for _, nd := range t.nodes {
		if nd.left >= 0 {
			continue
		}
		for r := nd.start; r < nd.end; r++ {
			k := int(r - nd.start)
			b := t.blk[(int(nd.blk)+k/4)*4*d:]
			for j, v := range points[perm[r]] {
				b[4*j+k%4] = v
			}
		}
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
		s += float64(g * g)
	}
	return s
}

// leafOf returns the number of the leaf that q falls in (or is nearest
// to), descending towards the nearer child's box at each node.
func (t *boxTree) leafOf(q []float64) int32 {
	i := int32(0)
	for {
		nd := &t.nodes[i]
		if nd.left < 0 {
			return i
		}
		if t.boxDist(nd.right, q) < t.boxDist(nd.left, q) {
			i = nd.right
		} else {
			i = nd.left
		}
	}
}

// knn fills h (already reset) with the k nearest points to q.
func (t *boxTree) knn(q []float64, h *kHeap) {
	t.search(0, q[:t.d], h)
}

func (t *boxTree) search(i int32, q []float64, h *kHeap) {
	nd := &t.nodes[i]
	if nd.left < 0 {
		t.scan(nd, q, h)
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

// scan offers the rows of leaf nd to h, at most maxLeafBlocks blocks at
// a time (a leaf of equal points may be larger than boxLeafSize).
func (t *boxTree) scan(nd *boxNode, q []float64, h *kHeap) {
	d := t.d
	if h.out == nil {
		h.out = make([]float64, 4*maxLeafBlocks)
	}
	for start := int(nd.start); start < int(nd.end); start += 4 * maxLeafBlocks {
		rows := min(int(nd.end)-start, 4*maxLeafBlocks)
		nb := (rows + 3) / 4
		b0 := (int(nd.blk) + (start-int(nd.start))/4) * 4 * d
		bound := h.bound()
		out := h.out[:4*nb]
		mask := scanBlocks(t.blk[b0:b0+nb*4*d], d, q, bound, out)
		orig := t.orig[start : start+rows]
		for mask != 0 {
			b := bits.TrailingZeros64(mask)
			mask &= mask - 1
			for r := 4 * b; r < min(4*b+4, rows); r++ {
				if s := out[r]; s <= bound {
					h.push(s, orig[r])
					bound = h.bound()
				}
			}
		}
	}
}
