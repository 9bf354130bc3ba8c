package ocsvm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// benchSizes are the training sizes; 50,000 is left out with -short.
func benchSizes() []int {
	if testing.Short() {
		return []int{1000, 10000}
	}
	return []int{1000, 10000, 50000}
}

// naiveDecision is the decision function written out plainly.
func naiveDecision(m *Model, x []float64) float64 {
	var s float64
	for i, sv := range m.SV {
		var d2 float64
		for j := range sv {
			d2 += (sv[j] - x[j]) * (sv[j] - x[j])
		}
		s += m.Alpha[i] * math.Exp(-m.Gamma*d2)
	}
	return s - m.Rho
}

// BenchmarkFitScore times Fit (nu = 0.05, gamma = "scale") on n
// standard-normal 10-D rows and DecisionAll on n fresh rows, reporting
// fit and score times separately. It first checks DecisionAll against the
// plain formula on a small case.
func BenchmarkFitScore(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	{
		x, q := normalRows(rng, 1000, 10), normalRows(rng, 100, 10)
		m, err := Fit(x, 0.05, GammaScale(x))
		if err != nil {
			b.Fatal(err)
		}
		for i, v := range m.DecisionAll(q) {
			if w := naiveDecision(m, q[i]); math.Abs(v-w) > 1e-12 {
				b.Fatalf("decision %d: %v, plain formula %v", i, v, w)
			}
		}
	}
	for _, n := range benchSizes() {
		x, q := normalRows(rng, n, 10), normalRows(rng, n, 10)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var fit, score time.Duration
			var m *Model
			for b.Loop() {
				t0 := time.Now()
				var err error
				m, err = Fit(x, 0.05, GammaScale(x))
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
			b.ReportMetric(float64(len(m.SV)), "SVs")
			b.ReportMetric(float64(m.Iterations), "iters")
		})
	}
}
