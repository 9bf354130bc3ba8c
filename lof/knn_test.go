package lof

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// naiveKNN is the reference: every distance, fully sorted by (distance,
// index), first k taken.
func naiveKNN(points [][]float64, q []float64, skip, k int) ([]int32, []float64) {
	type nd struct {
		i  int32
		d2 float64
	}
	var all []nd
	for i, p := range points {
		if i == skip {
			continue
		}
		var s float64
		for j := range p {
			t := p[j] - q[j]
			s += float64(t * t)
		}
		all = append(all, nd{int32(i), s})
	}
	sort.Slice(all, func(a, b int) bool {
		return all[a].d2 < all[b].d2 || (all[a].d2 == all[b].d2 && all[a].i < all[b].i)
	})
	idx := make([]int32, k)
	dist := make([]float64, k)
	for j := range idx {
		idx[j], dist[j] = all[j].i, math.Sqrt(all[j].d2)
	}
	return idx, dist
}

// tiedPoints returns n points in d dimensions: 80% standard normal, 20% on
// a coarse integer grid with many exact duplicates and equal distances.
func tiedPoints(rng *rand.Rand, n, d int) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		p := make([]float64, d)
		grid := i%5 == 0
		for j := range p {
			if grid {
				p[j] = float64(rng.IntN(3) - 1)
			} else {
				p[j] = rng.NormFloat64()
			}
		}
		pts[i] = p
	}
	return pts
}

// TestKDTreeMatchesBruteForce checks the k-d tree and the brute-force scan
// against a full sort on 10,000 fixed-seed points with many ties: the
// neighbour indices and distances must be identical, bit for bit.
func TestKDTreeMatchesBruteForce(t *testing.T) {
	for _, d := range []int{3, 10} {
		rng := rand.New(rand.NewPCG(1, 1))
		const n, k = 10000, 20
		pts := tiedPoints(rng, n, d)
		tree := newSearchIndex(pts, d, KDTree)
		brute := newSearchIndex(pts, d, BruteForce)
		box := newSearchIndex(pts, d, Auto)
		if tree.alt == nil || brute.alt == nil || box.box == nil || box.alt != nil {
			t.Fatal("newIndex did not build the requested search")
		}
		h := newKHeap(k)
		idx := make([]int32, k)
		dist := make([]float64, k)
		queries := 200
		for qn := 0; qn < queries; qn++ {
			// Half the queries are training points (excluding themselves),
			// half are fresh points, some of them on the grid.
			var q []float64
			skip := -1
			if qn%2 == 0 {
				skip = rng.IntN(n)
				q = pts[skip]
			} else {
				q = tiedPoints(rng, 1, d)[0]
				if qn%3 == 0 {
					for j := range q {
						q[j] = math.Round(q[j])
					}
				}
			}
			wantIdx, wantDist := naiveKNN(pts, q, skip, k)
			for name, ix := range map[string]*index{"kdtree": tree, "brute": brute, "boxtree": box} {
				ix.knn(q, skip, h)
				h.sorted(idx, dist)
				for j := range idx {
					if idx[j] != wantIdx[j] || dist[j] != wantDist[j] {
						t.Fatalf("d=%d query %d %s: neighbour %d is (%d, %v), want (%d, %v)",
							d, qn, name, j, idx[j], dist[j], wantIdx[j], wantDist[j])
					}
				}
			}
		}
	}
}

// TestSearchesGiveSameModel fits the same data with both searches and
// expects identical models and scores.
func TestSearchesGiveSameModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := tiedPoints(rng, 1500, 10)
	q := tiedPoints(rng, 300, 10)
	a, err := FitSearch(x, 20, 0.1, KDTree)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitSearch(x, 20, 0.1, BruteForce)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.NOF {
		if a.KDist[i] != b.KDist[i] || a.LRD[i] != b.LRD[i] || a.NOF[i] != b.NOF[i] {
			t.Fatalf("training point %d differs: kd-tree (%v, %v, %v), brute (%v, %v, %v)",
				i, a.KDist[i], a.LRD[i], a.NOF[i], b.KDist[i], b.LRD[i], b.NOF[i])
		}
	}
	if a.Offset != b.Offset {
		t.Fatalf("offset: kd-tree %v, brute %v", a.Offset, b.Offset)
	}
	da, db := a.DecisionAll(q), b.DecisionAll(q)
	for i := range da {
		if da[i] != db[i] {
			t.Fatalf("decision %d: kd-tree %v, brute %v", i, da[i], db[i])
		}
	}
}

func TestPairwiseSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 20, 128, 129, 300} {
		a := make([]float64, n)
		var exact float64
		for i := range a {
			a[i] = float64(rng.IntN(1000)) // sums of small integers are exact
			exact += a[i]
		}
		if got := pairwiseSum(a); got != exact {
			t.Errorf("pairwiseSum of %d values = %v, want %v", n, got, exact)
		}
	}
}

// TestPercentile checks numpy.percentile's linear interpolation; the
// expected values were computed with numpy 1.24.2:
// np.percentile([3, 1, 4, 1, 5, 9, 2, 6], q) for q = 0, 10, 50, 90, 100.
func TestPercentile(t *testing.T) {
	a := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	for _, c := range []struct{ q, want float64 }{
		{0, 1}, {10, 1}, {50, 3.5}, {90, 6.8999999999999995}, {100, 9},
	} {
		if got := percentile(a, c.q); got != c.want {
			t.Errorf("percentile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
}
