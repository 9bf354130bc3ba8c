package ensemble_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"detector/callset"
	"detector/ensemble"
	"detector/ngram"
	"detector/seq"
	"detector/stide"
)

var update = flag.Bool("update", false, "rewrite testdata/adfa_golden.json from this run")

const goldenFile = "testdata/adfa_golden.json"

// method is one benchmarked configuration: fit on encoded training
// sequences with vocabulary size v, returning the decision function.
type method struct {
	name string
	fit  func(train [][]int32, v int) (decider, error)
}

type decider interface {
	Decision(s []int32) float64
}

func ngramFitter(v int, order int, meth ngram.Method, st ngram.Stat, th float64) seq.Fitter {
	cfg := ngram.DefaultConfig()
	cfg.Order, cfg.Method, cfg.Stat, cfg.Threshold = order, meth, st, th
	return func(tr [][]int32) (seq.Scorer, error) { return ngram.FitCounts(tr, v, cfg) }
}

func callsetFitter(v, k int) seq.Fitter {
	cfg := callset.DefaultConfig()
	cfg.K = k
	return func(tr [][]int32) (seq.Scorer, error) { return callset.FitSets(tr, v, cfg) }
}

// methods are the benchmarked configurations: the defaults chosen on the
// development split, and the reference rows of the issue.
var methods = []method{
	{"ngram kneser-ney N=10 frac>3 (default)", func(tr [][]int32, v int) (decider, error) {
		return ngram.Fit(tr, v, ngram.DefaultConfig())
	}},
	{"ngram absolute-discounting N=10 mean-nll", func(tr [][]int32, v int) (decider, error) {
		cfg := ngram.DefaultConfig()
		cfg.Method, cfg.Stat = ngram.AbsoluteDiscounting, ngram.MeanNLL
		return ngram.Fit(tr, v, cfg)
	}},
	{"callset k=1 (default)", func(tr [][]int32, v int) (decider, error) {
		return callset.Fit(tr, v, callset.DefaultConfig())
	}},
	{"stide n=8 (default)", func(tr [][]int32, v int) (decider, error) {
		return stide.Fit(tr, v, stide.DefaultConfig())
	}},
	{"stide n=6", func(tr [][]int32, v int) (decider, error) {
		cfg := stide.DefaultConfig()
		cfg.N = 6
		return stide.Fit(tr, v, cfg)
	}},
	{"ensemble kneser-ney N=6 frac>3 + callset k=1 (default)", func(tr [][]int32, v int) (decider, error) {
		return ensemble.Fit([]seq.Fitter{ngramFitter(v, 6, ngram.KneserNey, ngram.FracAbove, 3), callsetFitter(v, 1)}, tr, 0.1, 5, 0)
	}},
	{"ensemble kneser-ney N=10 frac>3 + callset k=1", func(tr [][]int32, v int) (decider, error) {
		return ensemble.Fit([]seq.Fitter{ngramFitter(v, 10, ngram.KneserNey, ngram.FracAbove, 3), callsetFitter(v, 1)}, tr, 0.1, 5, 0)
	}},
}

// TestADFAGolden fits every method on the 833 training traces, scores the
// 4,372 validation normals and 746 attacks (the full protocol) and checks
// the figures against testdata/adfa_golden.json (AUCs and detection rates
// to 1e-9), and the targets: the n-gram model's AUC >= 0.84, the
// ensemble's >= 0.86 with DR >= 0.5 at 10% false alarms.
func TestADFAGolden(t *testing.T) {
	d := loadADFA(t)
	v := seq.Fit(names(d.train), 1)
	train := v.EncodeAll(names(d.train))
	full := d.evaluation(v, false)
	if len(train) != 833 || len(full.seqs) != 4372+746 {
		t.Fatalf("%d training and %d evaluation traces, want 833 and 5118", len(train), len(full.seqs))
	}
	got := map[string]figures{}
	for _, m := range methods {
		model, err := m.fit(train, v.Size())
		if err != nil {
			t.Fatal(err)
		}
		scores := make([]float64, len(full.seqs))
		for i, s := range full.seqs {
			scores[i] = model.Decision(s)
		}
		f := rank(scores, full)
		got[m.name] = f
		t.Logf("%-55s AUC %.4f  DR %.3f/%.3f/%.3f  at 0: DR %.3f FA %.3f", m.name, f.AUC, f.DR1, f.DR5, f.DR10, f.ThresholdDR, f.FAR)
		if len(f.FamilyAUC) != 6 {
			t.Errorf("%s: %d families, want 6", m.name, len(f.FamilyAUC))
		}
	}
	if f := got[methods[0].name]; f.AUC < 0.84 {
		t.Errorf("n-gram AUC %v, target 0.84", f.AUC)
	}
	if f := got["ensemble kneser-ney N=6 frac>3 + callset k=1 (default)"]; f.AUC < 0.86 || f.DR10 < 0.5 {
		t.Errorf("ensemble AUC %v and DR %v at 10%% FA, targets 0.86 and 0.5", f.AUC, f.DR10)
	}
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (regenerate with -update)", err)
	}
	var want map[string]figures
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Errorf("golden file has %d methods, the test %d", len(want), len(got))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: in the golden file, not measured", name)
			continue
		}
		for _, c := range []struct {
			what      string
			got, want float64
		}{{"AUC", g.AUC, w.AUC}, {"DR at 1%", g.DR1, w.DR1}, {"DR at 5%", g.DR5, w.DR5}, {"DR at 10%", g.DR10, w.DR10},
			{"DR at 0", g.ThresholdDR, w.ThresholdDR}, {"FA at 0", g.FAR, w.FAR}} {
			if math.Abs(c.got-c.want) > 1e-9 {
				t.Errorf("%s: %s %v, golden %v", name, c.what, c.got, c.want)
			}
		}
		for fam, wa := range w.FamilyAUC {
			if math.Abs(g.FamilyAUC[fam]-wa) > 1e-9 {
				t.Errorf("%s: %s AUC %v, golden %v", name, fam, g.FamilyAUC[fam], wa)
			}
		}
	}
}

// TestADFAModelSize fits the order-10 n-gram model on ADFA-LD's training
// traces and checks its memory (under 64 MiB) and its gob size, and that a
// tight bound on the tables holds and keeps the model valid.
func TestADFAModelSize(t *testing.T) {
	d := loadADFA(t)
	v := seq.Fit(names(d.train), 1)
	train := v.EncodeAll(names(d.train))
	m, err := ngram.Fit(train, v.Size(), ngram.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	t.Logf("order 10: %d bytes in memory, %d bytes encoded, grams per order %v", m.Bytes(), buf.Len(), m.Entries())
	if m.Bytes() >= 64<<20 {
		t.Errorf("model holds %d bytes, limit 64 MiB", m.Bytes())
	}
	cfg := ngram.DefaultConfig()
	cfg.MaxEntries = 20000
	b, err := ngram.Fit(train, v.Size(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range b.Entries() {
		if n > cfg.MaxEntries {
			t.Errorf("order %d holds %d grams, bound %d", k+1, n, cfg.MaxEntries)
		}
	}
	if err := b.Validate(); err != nil {
		t.Error(err)
	}
	t.Logf("bounded to %d: %d bytes, grams per order %v", cfg.MaxEntries, b.Bytes(), b.Entries())

	// The other defaults' sizes, for the record.
	cs, err := callset.Fit(train, v.Size(), callset.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	st, err := stide.Fit(train, v.Size(), stide.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg6 := ngram.DefaultConfig()
	cfg6.Order = 6
	ng6, err := ngram.Fit(train, v.Size(), cfg6)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]any{"vocabulary": v, "callset k=1": cs, "stide n=8": st, "ngram N=6": ng6} {
		buf.Reset()
		if err := gob.NewEncoder(&buf).Encode(m); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes encoded", name, buf.Len())
	}
	t.Logf("callset: %d distinct sets, %d bytes in memory; stide: %d windows; ngram N=6: %d bytes in memory", len(cs.Mult), cs.Bytes(), st.Len(), ng6.Bytes())
}
