package ensemble_test

import (
	"flag"
	"fmt"
	"math"
	"sort"
	"testing"

	"detector/callset"
	"detector/ensemble"
	"detector/ngram"
	"detector/seq"
	"detector/stide"
)

var devGrid = flag.Bool("devgrid", false, "run the hyper-parameter grid on the ADFA-LD development split (prints figures, checks nothing)")

// negate returns -stat for each statistic: a score where lower is more
// anomalous.
func negate(stats []float64) []float64 {
	out := make([]float64, len(stats))
	for i, s := range stats {
		out[i] = -s
	}
	return out
}

func statsOf(m seq.Scorer, seqs [][]int32) []float64 {
	out := make([]float64, len(seqs))
	for i, s := range seqs {
		out[i] = m.Statistic(s)
	}
	return out
}

// TestADFADevGrid prints the development-split figures of every candidate
// method, from which the defaults were chosen. Run with
//
//	go test ./ensemble -run DevGrid -devgrid -v
func TestADFADevGrid(t *testing.T) {
	if !*devGrid {
		t.Skip("the development grid runs with -devgrid")
	}
	d := loadADFA(t)
	v := seq.Fit(names(d.train), 1)
	train := v.EncodeAll(names(d.train))
	dev := d.evaluation(v, true)
	nn, na := 0, 0
	for _, a := range dev.attack {
		if a {
			na++
		} else {
			nn++
		}
	}
	t.Logf("development split: %d normal, %d attack traces; vocabulary %d tokens", nn, na, v.Size())
	type row struct {
		name string
		f    figures
	}
	var rows []row
	add := func(name string, scores []float64) {
		f := rank(scores, dev)
		rows = append(rows, row{name, f})
		t.Logf("%-40s AUC %.4f  DR %.3f/%.3f/%.3f", name, f.AUC, f.DR1, f.DR5, f.DR10)
	}
	for _, meth := range []ngram.Method{ngram.KneserNey, ngram.AbsoluteDiscounting} {
		for _, order := range []int{2, 3, 4, 5, 6, 7, 8, 10, 12, 14} {
			cfg := ngram.DefaultConfig()
			cfg.Order, cfg.Method = order, meth
			m, err := ngram.FitCounts(train, v.Size(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			surp := make([][]float64, len(dev.seqs))
			for i, s := range dev.seqs {
				surp[i] = m.Surprisals(s)
			}
			stat := func(f func([]float64) float64) []float64 {
				out := make([]float64, len(surp))
				for i, s := range surp {
					out[i] = -f(s)
				}
				return out
			}
			add(fmt.Sprintf("%v N=%d mean-nll", meth, order), stat(func(s []float64) float64 {
				var sum float64
				for _, x := range s {
					sum += x
				}
				return sum / float64(len(s))
			}))
			for _, th := range []float64{1, 2, 3, 4, 5, 6} {
				add(fmt.Sprintf("%v N=%d frac>%g", meth, order, th), stat(func(s []float64) float64 {
					n := 0
					for _, x := range s {
						if x > th {
							n++
						}
					}
					return float64(n) / float64(len(s))
				}))
			}
		}
	}
	for _, k := range []int{1, 2, 3, 5, 10} {
		cfg := callset.DefaultConfig()
		cfg.K = k
		m, err := callset.FitSets(train, v.Size(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		add(fmt.Sprintf("callset k=%d", k), negate(statsOf(m, dev.seqs)))
	}
	for _, n := range []int{3, 4, 5, 6, 8, 10} {
		cfg := stide.DefaultConfig()
		cfg.N = n
		m, err := stide.FitWindows(train, v.Size(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		add(fmt.Sprintf("stide n=%d", n), negate(statsOf(m, dev.seqs)))
	}
	ng := func(meth ngram.Method, order int, st ngram.Stat, th float64) seq.Fitter {
		cfg := ngram.DefaultConfig()
		cfg.Order, cfg.Method, cfg.Stat, cfg.Threshold = order, meth, st, th
		return func(tr [][]int32) (seq.Scorer, error) { return ngram.FitCounts(tr, v.Size(), cfg) }
	}
	cs := func(k int) seq.Fitter {
		cfg := callset.DefaultConfig()
		cfg.K = k
		return func(tr [][]int32) (seq.Scorer, error) { return callset.FitSets(tr, v.Size(), cfg) }
	}
	st := func(n int) seq.Fitter {
		cfg := stide.DefaultConfig()
		cfg.N = n
		return func(tr [][]int32) (seq.Scorer, error) { return stide.FitWindows(tr, v.Size(), cfg) }
	}
	for _, c := range []struct {
		name string
		fits []seq.Fitter
	}{
		{"ens KN10 frac>3 + callset1", []seq.Fitter{ng(ngram.KneserNey, 10, ngram.FracAbove, 3), cs(1)}},
		{"ens KN10 frac>4 + callset1", []seq.Fitter{ng(ngram.KneserNey, 10, ngram.FracAbove, 4), cs(1)}},
		{"ens KN6 frac>3 + callset1", []seq.Fitter{ng(ngram.KneserNey, 6, ngram.FracAbove, 3), cs(1)}},
		{"ens AD10 mean + callset1", []seq.Fitter{ng(ngram.AbsoluteDiscounting, 10, ngram.MeanNLL, 0), cs(1)}},
		{"ens KN10 mean + callset1", []seq.Fitter{ng(ngram.KneserNey, 10, ngram.MeanNLL, 0), cs(1)}},
		{"ens KN10 frac>3 + callset3", []seq.Fitter{ng(ngram.KneserNey, 10, ngram.FracAbove, 3), cs(3)}},
		{"ens KN10 frac>3 + AD10 mean + callset1", []seq.Fitter{ng(ngram.KneserNey, 10, ngram.FracAbove, 3), ng(ngram.AbsoluteDiscounting, 10, ngram.MeanNLL, 0), cs(1)}},
		{"ens KN10 frac>3 + callset1 + stide6", []seq.Fitter{ng(ngram.KneserNey, 10, ngram.FracAbove, 3), cs(1), st(6)}},
	} {
		e, err := ensemble.Fit(c.fits, train, 0.1, 5, 0)
		if err != nil {
			t.Fatal(err)
		}
		scores := make([]float64, len(dev.seqs))
		for i, s := range dev.seqs {
			scores[i] = e.Decision(s)
		}
		add(c.name, scores)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].f.AUC > rows[j].f.AUC })
	for _, r := range rows[:min(25, len(rows))] {
		if !math.IsNaN(r.f.AUC) {
			t.Logf("best: %-40s AUC %.4f  DR %.3f/%.3f/%.3f", r.name, r.f.AUC, r.f.DR1, r.f.DR5, r.f.DR10)
		}
	}
}
