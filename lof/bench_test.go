package lof

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchRows returns n standard-normal rows in d dimensions.
func benchRows(rng *rand.Rand, n, d int) [][]float64 {
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
		}
	}
	return x
}

// benchSizes are the training sizes; 50,000 is left out with -short.
func benchSizes() []int {
	if testing.Short() {
		return []int{1000, 10000}
	}
	return []int{1000, 10000, 50000}
}

// BenchmarkFitScore times Fit on n standard-normal 10-D rows (k = 20) and
// DecisionAll on n fresh rows, per neighbour search. Fit and score times
// are also reported separately; the k-d tree is timed up to n = 10,000
// only. It first checks that all searches give
// the same scores on a small case.
func BenchmarkFitScore(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	{
		x, q := benchRows(rng, 2000, 10), benchRows(rng, 200, 10)
		a, _ := FitSearch(x, 20, 0, KDTree)
		c, _ := FitSearch(x, 20, 0, BruteForce)
		e, _ := FitSearch(x, 20, 0, Auto)
		da, dc, de := a.DecisionAll(q), c.DecisionAll(q), e.DecisionAll(q)
		for i := range da {
			if da[i] != dc[i] || de[i] != dc[i] {
				b.Fatalf("searches disagree at %d: kd-tree %v, brute force %v, auto %v", i, da[i], dc[i], de[i])
			}
		}
	}
	for _, n := range benchSizes() {
		x, q := benchRows(rng, n, 10), benchRows(rng, n, 10)
		for _, s := range []Search{Auto, KDTree, BruteForce} {
			if s == KDTree && n > 10000 {
				continue // minutes in ten dimensions; see n=10000
			}
			name := [...]string{"auto", "kdtree", "brute"}[s]
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				var fit, score time.Duration
				for b.Loop() {
					t0 := time.Now()
					m, err := FitSearch(x, 20, 0, s)
					if err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					m.DecisionAll(q)
					fit += t1.Sub(t0)
					score += time.Since(t1)
				}
				b.ReportMetric(fit.Seconds()/float64(b.N), "fit-s/op")
				b.ReportMetric(score.Seconds()/float64(b.N), "score-s/op")
			})
		}
	}
}
