package lof

import (
	"math"
	"sort"
)

// kHeap keeps the k smallest (squared distance, index) pairs seen, as a
// max-heap ordered by distance and then by index, so the kept set is the
// same whatever order candidates arrive in.
type kHeap struct {
	k    int
	d2   []float64
	idx  []int32
	skip int       // training index never kept (the query itself), or -1
	out  []float64 // scratch for scanBlocks
}

func newKHeap(k int) *kHeap {
	return &kHeap{k: k, d2: make([]float64, 0, k), idx: make([]int32, 0, k)}
}

func (h *kHeap) reset(skip int) {
	h.d2 = h.d2[:0]
	h.idx = h.idx[:0]
	h.skip = skip
}

// bound is the largest kept squared distance, or +Inf while fewer than k
// are kept.
func (h *kHeap) bound() float64 {
	if len(h.d2) < h.k {
		return math.Inf(1)
	}
	return h.d2[0]
}

// greater reports whether heap entry a orders after entry b.
func (h *kHeap) greater(a, b int) bool {
	return h.d2[a] > h.d2[b] || (h.d2[a] == h.d2[b] && h.idx[a] > h.idx[b])
}

// push offers candidate i at squared distance d2.
func (h *kHeap) push(d2 float64, i int32) {
	if int(i) == h.skip {
		return
	}
	if len(h.d2) < h.k {
		h.d2 = append(h.d2, d2)
		h.idx = append(h.idx, i)
		for c := len(h.d2) - 1; c > 0; {
			p := (c - 1) / 2
			if !h.greater(c, p) {
				break
			}
			h.swap(c, p)
			c = p
		}
		return
	}
	if d2 > h.d2[0] || (d2 == h.d2[0] && i > h.idx[0]) {
		return
	}
	h.d2[0], h.idx[0] = d2, i
	for p := 0; ; {
		l := 2*p + 1
		if l >= len(h.d2) {
			break
		}
		c := l
		if r := l + 1; r < len(h.d2) && h.greater(r, l) {
			c = r
		}
		if !h.greater(c, p) {
			break
		}
		h.swap(c, p)
		p = c
	}
}

func (h *kHeap) swap(a, b int) {
	h.d2[a], h.d2[b] = h.d2[b], h.d2[a]
	h.idx[a], h.idx[b] = h.idx[b], h.idx[a]
}

// sorted writes the kept neighbours in increasing (distance, index) order
// into idx and their Euclidean (not squared) distances into dist.
func (h *kHeap) sorted(idx []int32, dist []float64) {
	sort.Sort(byDist{h})
	for j := range h.d2 {
		idx[j] = h.idx[j]
		dist[j] = math.Sqrt(h.d2[j])
	}
}

type byDist struct{ h *kHeap }

func (s byDist) Len() int           { return len(s.h.d2) }
func (s byDist) Less(a, b int) bool { return s.h.greater(b, a) }
func (s byDist) Swap(a, b int)      { s.h.swap(a, b) }

// index finds exact k nearest training points with the bounding-box tree.
type index struct {
	d   int
	box *boxTree
	// alt, set only by the tests, is another exact search (a brute-force
	// scan, gonum's k-d tree) that the tree is checked against.
	alt func(q []float64, h *kHeap)
}

func newIndex(points [][]float64, d int) *index {
	return &index{d: d, box: newBoxTree(points, d)}
}

// order returns the training indices in the order the index stores them,
// or nil for the identity.
func (ix *index) order() []int32 {
	if ix.alt != nil {
		return nil
	}
	return ix.box.orig
}

// queryOrder returns an order in which to answer the queries x so that
// consecutive queries visit the same part of the index (grouped by the
// tree leaf they fall in), or nil for the given order. Rows for which
// valid is false go first. Each answer is independent of the order.
func (ix *index) queryOrder(x [][]float64, valid func([]float64) bool) []int32 {
	if ix.alt != nil || len(x) < 2 {
		return nil
	}
	leaf := make([]int32, len(x))
	count := make([]int32, len(ix.box.nodes)+1)
	parallel(len(x), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if valid(x[i]) {
				leaf[i] = ix.box.leafOf(x[i]) + 1
			}
		}
	})
	for _, l := range leaf {
		count[l]++
	}
	pos := int32(0)
	for l, c := range count {
		count[l] = pos
		pos += c
	}
	order := make([]int32, len(x))
	for i, l := range leaf {
		order[count[l]] = int32(i)
		count[l]++
	}
	return order
}

// knn fills h with the k nearest training points to q, never keeping
// training index skip (use -1 to keep all).
func (ix *index) knn(q []float64, skip int, h *kHeap) {
	h.reset(skip)
	if ix.alt != nil {
		ix.alt(q, h)
		return
	}
	ix.box.knn(q, h)
}

// scanRows offers the rows of flat (row-major, d columns) to h. Row r is
// training point orig[r], or r when orig is nil. Each squared distance is
// accumulated in column order, exactly as in the trees and in
// scikit-learn; four rows are processed side by side so that their four
// independent sums overlap in the processor. A block stops early when all
// four partial sums over the first columns already exceed the current
// k-th distance, and a row is offered only when its full sum does not:
// partial sums of squares never decrease, so this cannot drop a true
// neighbour, nor one tied with the k-th.
func scanRows(flat []float64, d int, q []float64, orig []int32, h *kHeap) {
	q = q[:d]
	part := d / 2
	bound := h.bound()
	n := len(flat) / d
	id := func(r int) int32 {
		if orig != nil {
			return orig[r]
		}
		return int32(r)
	}
	i := 0
	for ; i+4 <= n; i += 4 {
		r0 := flat[i*d : i*d+d : i*d+d]
		r1 := flat[(i+1)*d : (i+1)*d+d : (i+1)*d+d]
		r2 := flat[(i+2)*d : (i+2)*d+d : (i+2)*d+d]
		r3 := flat[(i+3)*d : (i+3)*d+d : (i+3)*d+d]
		var s0, s1, s2, s3 float64
		j := 0
		for ; j < part; j++ {
			v := q[j]
			t0, t1, t2, t3 := r0[j]-v, r1[j]-v, r2[j]-v, r3[j]-v
			s0 += float64(t0 * t0)
			s1 += float64(t1 * t1)
			s2 += float64(t2 * t2)
			s3 += float64(t3 * t3)
		}
		if s0 > bound && s1 > bound && s2 > bound && s3 > bound {
			continue
		}
		for ; j < d; j++ {
			v := q[j]
			t0, t1, t2, t3 := r0[j]-v, r1[j]-v, r2[j]-v, r3[j]-v
			s0 += float64(t0 * t0)
			s1 += float64(t1 * t1)
			s2 += float64(t2 * t2)
			s3 += float64(t3 * t3)
		}
		if s0 <= bound {
			h.push(s0, id(i))
			bound = h.bound()
		}
		if s1 <= bound {
			h.push(s1, id(i+1))
			bound = h.bound()
		}
		if s2 <= bound {
			h.push(s2, id(i+2))
			bound = h.bound()
		}
		if s3 <= bound {
			h.push(s3, id(i+3))
			bound = h.bound()
		}
	}
	for ; i < n; i++ {
		row := flat[i*d : i*d+d]
		var s float64
		for j, v := range q {
			t := row[j] - v
			s += float64(t * t)
		}
		if s <= bound {
			h.push(s, id(i))
			bound = h.bound()
		}
	}
}
