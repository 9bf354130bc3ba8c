package lof

import (
	"math"
	"math/rand/v2"
	"testing"
)

// kernels are the implementations of scanBlocks available here; the
// assembly one only where the processor has it.
func kernels() map[string]func([]float64, int, []float64, float64, []float64) uint64 {
	ks := map[string]func([]float64, int, []float64, float64, []float64) uint64{"go": scanBlocksGo}
	ks["default"] = scanBlocks
	return ks
}

// TestScanBlocksKernels checks that the assembly kernel (when the
// processor has AVX2) gives the same sums, bit for bit, and the same mask
// as scanBlocksGo, and that both agree with bruteKNN's sums.
func TestScanBlocksKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []int{1, 2, 3, 7, 10, 13} {
		for _, nblk := range []int{1, 2, 3, 4, 5, 7, 8, 31, 63, 64} {
			blk := make([]float64, 4*d*nblk)
			for i := range blk {
				if i%3 == 0 {
					blk[i] = float64(rng.IntN(3) - 1) // ties
				} else {
					blk[i] = rng.NormFloat64() * 2
				}
			}
			q := make([]float64, d)
			for j := range q {
				q[j] = float64(rng.IntN(3) - 1)
			}
			// Reference sums, row by row, as bruteKNN adds them.
			want := make([]float64, 4*nblk)
			for r := range want {
				b, l := r/4, r%4
				var s float64
				for j, v := range q {
					u := blk[4*d*b+4*j+l] - v
					s += float64(u * u)
				}
				want[r] = s
			}
			for _, bound := range []float64{math.Inf(1), 0, want[len(want)/2], float64(d)} {
				var wantMask uint64
				for b := 0; b < nblk; b++ {
					for l := 0; l < 4; l++ {
						if want[4*b+l] <= bound {
							wantMask |= 1 << uint(b)
						}
					}
				}
				for name, k := range kernels() {
					out := make([]float64, 4*nblk)
					mask := k(blk, d, q, bound, out)
					if mask != wantMask {
						t.Fatalf("%s d=%d nblk=%d bound=%v: mask %b, want %b", name, d, nblk, bound, mask, wantMask)
					}
					for r := range out {
						if math.Float64bits(out[r]) != math.Float64bits(want[r]) {
							t.Fatalf("%s d=%d nblk=%d: sum %d = %v, want %v", name, d, nblk, r, out[r], want[r])
						}
					}
				}
			}
		}
	}
}

// gridPoints returns n fixed-seed points in d dimensions: a third on the
// integer grid {-2, ..., 2}^d (equal distances everywhere), a third
// standard normal, and the rest exact copies of the row (-5, ..., -5).
// Lying below the others in every column, the copies end up in leaves of
// their own, larger than one scan of a leaf (4*maxLeafBlocks rows) when
// n >= 3000.
func gridPoints(rng *rand.Rand, n, d int) [][]float64 {
	pts := make([][]float64, n)
	dup := make([]float64, d)
	for j := range dup {
		dup[j] = -5
	}
	for i := range pts {
		p := make([]float64, d)
		switch i % 3 {
		case 0:
			for j := range p {
				p[j] = float64(rng.IntN(5) - 2)
			}
		case 1:
			for j := range p {
				p[j] = rng.NormFloat64()
			}
		default:
			copy(p, dup)
		}
		pts[i] = p
	}
	return pts
}

// TestBoxTreeMatchesBruteForce checks the Auto search (the bounding-box
// tree, with each scan kernel) against a full sort and against the plain
// brute-force scan, on fixed-seed data full of ties and duplicates: the
// neighbour indices and distances must be identical, bit for bit, and so
// must the fitted models and their decisions.
func TestBoxTreeMatchesBruteForce(t *testing.T) {
	saved := scanBlocks
	defer func() { scanBlocks = saved }()
	for name, k := range kernels() {
		scanBlocks = k
		for _, d := range []int{3, 10} {
			rng := rand.New(rand.NewPCG(1, 1))
			const n, kn = 3000, 20
			pts := gridPoints(rng, n, d)
			box := newSearchIndex(pts, d, Auto)
			if box.box == nil {
				t.Fatal("Auto did not build the box tree")
			}
			big := 0
			for _, nd := range box.box.nodes {
				if nd.left < 0 {
					big = max(big, int(nd.end-nd.start))
				}
			}
			if big <= 4*maxLeafBlocks {
				t.Fatalf("d=%d: largest leaf has %d rows; the test wants one scanned in pieces", d, big)
			}
			h := newKHeap(kn)
			idx := make([]int32, kn)
			dist := make([]float64, kn)
			for qn := 0; qn < 300; qn++ {
				var q []float64
				skip := -1
				if qn%2 == 0 {
					skip = rng.IntN(n)
					q = pts[skip]
				} else {
					q = gridPoints(rng, 1, d)[0]
					if qn%3 == 0 {
						for j := range q {
							q[j] += 0.5 * float64(rng.IntN(3)-1)
						}
					}
				}
				wantIdx, wantDist := naiveKNN(pts, q, skip, kn)
				box.knn(q, skip, h)
				h.sorted(idx, dist)
				for j := range idx {
					if idx[j] != wantIdx[j] || dist[j] != wantDist[j] {
						t.Fatalf("%s d=%d query %d: neighbour %d is (%d, %v), want (%d, %v)",
							name, d, qn, j, idx[j], dist[j], wantIdx[j], wantDist[j])
					}
				}
			}

			x := pts[:1500]
			qs := gridPoints(rng, 300, d)
			a, err := FitSearch(x, kn, 0.1, Auto)
			if err != nil {
				t.Fatal(err)
			}
			b, err := FitSearch(x, kn, 0.1, BruteForce)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a.NOF {
				if a.KDist[i] != b.KDist[i] || a.LRD[i] != b.LRD[i] || a.NOF[i] != b.NOF[i] {
					t.Fatalf("%s d=%d training point %d: auto (%v, %v, %v), brute (%v, %v, %v)",
						name, d, i, a.KDist[i], a.LRD[i], a.NOF[i], b.KDist[i], b.LRD[i], b.NOF[i])
				}
			}
			if a.Offset != b.Offset {
				t.Fatalf("%s d=%d offset: auto %v, brute %v", name, d, a.Offset, b.Offset)
			}
			da, db := a.DecisionAll(qs), b.DecisionAll(qs)
			for i := range da {
				if math.Float64bits(da[i]) != math.Float64bits(db[i]) {
					t.Fatalf("%s d=%d decision %d: auto %v, brute %v", name, d, i, da[i], db[i])
				}
			}
		}
	}
}
