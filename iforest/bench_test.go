package iforest

import (
	"fmt"
	"math"
	"testing"
)

// benchRows are n rows of d standard normal values drawn with SplitMix64
// and the Box-Muller transform, a generator testdata/bench_sklearn.py
// repeats, so that scikit-learn is timed on the same rows.
func benchRows(seed uint64, n, d int) [][]float64 {
	state := seed
	uniform := func() float64 {
		state += 0x9e3779b97f4a7c15
		return float64(splitmix64(state-0x9e3779b97f4a7c15)>>11) / (1 << 53)
	}
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range x[i] {
			u1, u2 := uniform(), uniform()
			x[i][j] = math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
		}
	}
	return x
}

// checkBench checks Fit and ScoreSamplesAll against the plain formula on a
// small case before anything is timed.
func checkBench(b *testing.B) {
	x := benchRows(7, 1000, 10)
	m, err := Fit(x, Params{Trees: 20, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Validate(10, len(m.Train)); err != nil {
		b.Fatal(err)
	}
	for i, v := range m.ScoreSamplesAll(x[:100]) {
		if w := naiveScoreB(m, x[i]); math.Abs(v-w) > 1e-12 {
			b.Fatalf("score %d: %v, plain formula %v", i, v, w)
		}
	}
}

func naiveScoreB(m *Model, x []float64) float64 {
	var sum float64
	for t := range m.Trees() {
		i, depth := m.TreeStart[t], 0
		for m.Feature[i] >= 0 {
			if x[m.Feature[i]] <= m.Threshold[i] {
				i = m.Left[i]
			} else {
				i = m.Right[i]
			}
			depth++
		}
		sum += float64(depth) + AveragePathLength(int(m.NodeSamples[i]))
	}
	return -math.Pow(2, -sum/float64(m.Trees())/AveragePathLength(m.MaxSamples))
}

// BenchmarkFit times Fit with scikit-learn's defaults (100 trees,
// max_samples and contamination auto) on 10,000 x 10 rows, with Jobs 1
// and 2. Fit includes scoring the 10,000 training rows.
func BenchmarkFit(b *testing.B) {
	checkBench(b)
	x := benchRows(1, 10000, 10)
	for _, jobs := range []int{1, 2} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			p := DefaultParams()
			p.Jobs = jobs
			for b.Loop() {
				if _, err := Fit(x, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScore times ScoreSamplesAll of 10,000 fresh 10-D rows with a
// forest fitted as in BenchmarkFit (on GOMAXPROCS goroutines).
func BenchmarkScore(b *testing.B) {
	checkBench(b)
	x, q := benchRows(1, 10000, 10), benchRows(2, 10000, 10)
	m, err := Fit(x, DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.ScoreSamplesAll(q)
	}
}

// TestBenchRows checks that benchRows draws what bench_sklearn.py draws
// (values printed by it with "%.17g"), so that both time the same rows.
func TestBenchRows(t *testing.T) {
	x, q := benchRows(1, 2, 10), benchRows(2, 1, 10)
	got := []float64{x[1][7], x[1][8], x[1][9], q[0][0], q[0][1]}
	want := []float64{-0.75095204346581157, -0.01388856963933806, -0.90380056440144685, -0.0071460226801007085, 0.13016878525205222}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-14 {
			t.Errorf("value %d: %.17g, bench_sklearn.py draws %.17g", i, got[i], want[i])
		}
	}
}
