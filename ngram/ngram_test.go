package ngram

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"testing"

	"detector/seq"
)

// Tokens of the tiny corpus: vocabulary {a, b}, so V = 5 (UNK, BOS, EOS, a,
// b) and the predicted set V' = {UNK, EOS, a, b} has 4 tokens.
const (
	a = seq.First
	b = seq.First + 1
)

var tiny = [][]int32{{a, a, b}, {a, b}}

func tinyConfig(m Method) Config {
	c := DefaultConfig()
	c.Order, c.Method, c.Folds = 2, m, 2
	return c
}

// TestTinyKneserNey checks P by hand. With N = 2 the sequences are
// "BOS a a b EOS" and "BOS a b EOS"; bigram counts: BOS a 2, a a 1, a b 2,
// b EOS 2, so D2 = n1/(n1+2 n2) = 1/(1+2*3) = 1/7.
// Continuation counts of unigrams (distinct left neighbours): a 2 (BOS, a),
// b 1, EOS 1, UNK 0: T = 4, R = 3, D1 = 2/(2+2*1) = 1/2, and
//
//	P1(a)   = (2 - 1/2 + 1/2*3*1/4)/4 = 15/32
//	P1(b)   = (1 - 1/2 + 3/8)/4       = 7/32
//	P1(EOS) = 7/32,  P1(UNK) = (3/8)/4 = 3/32   (sum 32/32)
//
// Context a: T = 1 + 2 = 3, R = 2, so D2*R = 2/7:
//
//	P(b|a)   = (2 - 1/7 + 2/7*7/32)/3  = (13/7 + 1/16)/3  = 215/336
//	P(a|a)   = (1 - 1/7 + 2/7*15/32)/3 = (6/7 + 15/112)/3 = 111/336
//	P(EOS|a) = (2/7*7/32)/3 = 7/336,  P(UNK|a) = (2/7*3/32)/3 = 3/336
//
// Context BOS: T = 2, R = 1: P(a|BOS) = (2 - 1/7 + 1/7*15/32)/2 = 431/448.
// Context UNK was never seen: P(a|UNK) = P1(a) = 15/32.
func TestTinyKneserNey(t *testing.T) {
	m, err := FitCounts(tiny, 5, tinyConfig(KneserNey))
	if err != nil {
		t.Fatal(err)
	}
	if m.D[0] != 0.5 || math.Abs(m.D[1]-1.0/7) > 1e-15 {
		t.Errorf("discounts %v, want [1/2 1/7]", m.D)
	}
	for _, c := range []struct {
		ctx  []int32
		tok  int32
		want float64
	}{
		{[]int32{a}, b, 215.0 / 336},
		{[]int32{a}, a, 111.0 / 336},
		{[]int32{a}, seq.EOS, 7.0 / 336},
		{[]int32{a}, seq.UNK, 3.0 / 336},
		{nil, a, 431.0 / 448},
		{[]int32{seq.UNK}, a, 15.0 / 32},
		{[]int32{seq.UNK}, seq.UNK, 3.0 / 32},
		{[]int32{b, seq.UNK}, b, 7.0 / 32}, // only the last token is context
	} {
		if got := m.Prob(c.ctx, c.tok); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("P(%d | %v) = %v, want %v", c.tok, c.ctx, got, c.want)
		}
	}
	// Surprisals of "a b": -ln P(a|BOS), -ln P(b|a).
	s := m.Surprisals([]int32{a, b})
	if math.Abs(s[0]+math.Log(431.0/448)) > 1e-15 || math.Abs(s[1]+math.Log(215.0/336)) > 1e-15 {
		t.Errorf("surprisals %v", s)
	}
	// Mean NLL and fraction above a threshold between the two surprisals
	// (0.0387 and 0.446 nats).
	m.Stat, m.Threshold = MeanNLL, 0.2
	if got, want := m.Statistic([]int32{a, b}), (s[0]+s[1])/2; got != want {
		t.Errorf("mean nll %v, want %v", got, want)
	}
	m.Stat = FracAbove
	if got := m.Statistic([]int32{a, b}); got != 0.5 {
		t.Errorf("fraction above 0.2 nats %v, want 0.5", got)
	}
	if got := m.Statistic(nil); !math.IsInf(got, 1) {
		t.Errorf("empty sequence: statistic %v, want +Inf", got)
	}
}

// TestTinyAbsoluteDiscounting: the same corpus with raw counts at order 1:
// a 3, b 2, EOS 2: T = 7, R = 3, n1 = 0 so D1 = 1/2 by rule;
//
//	P1(a) = (3 - 1/2 + 1/2*3*1/4)/7 = 23/56,  P1(b) = P1(EOS) = 15/56,  P1(UNK) = 3/56
//	P(b|a) = (2 - 1/7 + 2/7*15/56)/3 = (728/392 + 30/392)/3 = 379/588
//	P(EOS|a) = (2/7*15/56)/3 = 5/196
func TestTinyAbsoluteDiscounting(t *testing.T) {
	m, err := FitCounts(tiny, 5, tinyConfig(AbsoluteDiscounting))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ctx  []int32
		tok  int32
		want float64
	}{
		{[]int32{seq.UNK}, a, 23.0 / 56},
		{[]int32{seq.UNK}, b, 15.0 / 56},
		{[]int32{seq.UNK}, seq.UNK, 3.0 / 56},
		{[]int32{a}, b, 379.0 / 588},
		{[]int32{a}, seq.EOS, 5.0 / 196},
	} {
		if got := m.Prob(c.ctx, c.tok); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("P(%d | %v) = %v, want %v", c.tok, c.ctx, got, c.want)
		}
	}
}

// predicted lists V': every token but BOS.
func predicted(v int) []int32 {
	var out []int32
	for t := int32(0); int(t) < v; t++ {
		if t != seq.BOS {
			out = append(out, t)
		}
	}
	return out
}

func checkSum(t *testing.T, m *Model, ctx []int32) {
	t.Helper()
	var sum float64
	for _, w := range predicted(m.V) {
		p := m.Prob(ctx, w)
		if !(p > 0) {
			t.Fatalf("%v: P(%d | %v) = %v, want > 0", m.Method, w, ctx, p)
		}
		sum += p
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Fatalf("%v order %d: probabilities at context %v sum to %v", m.Method, m.Order, ctx, sum)
	}
}

// TestNormalizationExhaustive sums P over V' at every context of length
// N-1 = 2 over all five tokens (BOS included), on the tiny corpus.
func TestNormalizationExhaustive(t *testing.T) {
	for _, meth := range []Method{KneserNey, AbsoluteDiscounting} {
		cfg := tinyConfig(meth)
		cfg.Order = 3
		m, err := FitCounts(append(tiny, []int32{b, b, a, seq.UNK}), 5, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for x := int32(0); x < 5; x++ {
			checkSum(t, m, []int32{x})
			for y := int32(0); y < 5; y++ {
				checkSum(t, m, []int32{x, y})
			}
		}
	}
}

// randomCorpus returns n sequences over v tokens, with repeated motifs so
// that high orders have counts.
func randomCorpus(r *rand.Rand, n, v int) [][]int32 {
	motifs := make([][]int32, 8)
	for i := range motifs {
		motifs[i] = make([]int32, 3+r.IntN(6))
		for j := range motifs[i] {
			motifs[i][j] = seq.First + int32(r.IntN(v-int(seq.First)))
		}
	}
	out := make([][]int32, n)
	for i := range out {
		for len(out[i]) < 20+r.IntN(60) {
			if r.IntN(4) == 0 {
				out[i] = append(out[i], int32(r.IntN(v))) // any token, UNK included
				if out[i][len(out[i])-1] == seq.BOS {
					out[i][len(out[i])-1] = seq.UNK
				}
			} else {
				out[i] = append(out[i], motifs[r.IntN(len(motifs))]...)
			}
		}
	}
	return out
}

// TestNormalizationRandom sums P over V' at random contexts (from the
// corpus and uniform) of models of several orders, with unbounded and with
// tightly bounded tables.
func TestNormalizationRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const v = 23
	corpus := randomCorpus(r, 40, v)
	for _, meth := range []Method{KneserNey, AbsoluteDiscounting} {
		for _, order := range []int{1, 2, 4, 7} {
			for _, max := range []int{0, 50} {
				cfg := DefaultConfig()
				cfg.Order, cfg.Method, cfg.MaxEntries = order, meth, max
				m, err := FitCounts(corpus, v, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if max > 0 {
					for k, n := range m.Entries() {
						if n > max {
							t.Errorf("order %d holds %d grams, bound %d", k+1, n, max)
						}
					}
				}
				for i := 0; i < 60; i++ {
					var ctx []int32
					if i%2 == 0 {
						s := corpus[r.IntN(len(corpus))]
						j := r.IntN(len(s))
						ctx = s[:j]
					} else {
						for j := r.IntN(order + 2); j > 0; j-- {
							ctx = append(ctx, int32(r.IntN(v)))
						}
					}
					checkSum(t, m, ctx)
				}
			}
		}
	}
}

// TestBoundedTable checks the documented rule when an order's table is
// full: grams beyond the bound are not stored, the model stays valid.
func TestBoundedTable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	corpus := randomCorpus(r, 30, 40)
	cfg := DefaultConfig()
	cfg.Order, cfg.MaxEntries = 5, 64
	m, err := Fit(corpus, 40, cfg)
	if err != nil {
		t.Fatal(err)
	}
	full := 0
	for _, n := range m.Entries() {
		if n > 64 {
			t.Fatalf("entries %v beyond 64", m.Entries())
		}
		if n == 64 {
			full++
		}
	}
	if full == 0 {
		t.Fatalf("no table reached the bound: %v", m.Entries())
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

func roundTrip(t *testing.T, m *Model) (*Model, error) {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	var got Model
	err := gob.NewDecoder(&buf).Decode(&got)
	return &got, err
}

func TestGobRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	corpus := randomCorpus(r, 40, 30)
	test := randomCorpus(r, 20, 30)
	for _, meth := range []Method{KneserNey, AbsoluteDiscounting} {
		cfg := DefaultConfig()
		cfg.Order, cfg.Method = 6, meth
		m, err := Fit(corpus, 30, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := roundTrip(t, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range test {
			if a, b := m.Decision(s), got.Decision(s); a != b {
				t.Fatalf("decision %v after round trip, %v before", b, a)
			}
			if a, b := m.MostSurprising(s), got.MostSurprising(s); a != b {
				t.Fatalf("window %v after round trip, %v before", b, a)
			}
		}
	}
}

// TestValidateCrafted decodes models altered as an attacker could and
// expects an error for each.
func TestValidateCrafted(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	corpus := randomCorpus(r, 20, 15)
	cfg := DefaultConfig()
	cfg.Order = 3
	m, err := Fit(corpus, 15, cfg)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(w *wire) error {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(w); err != nil {
			t.Fatal(err)
		}
		var got Model
		return got.GobDecode(buf.Bytes())
	}
	if err := decode(m.wire()); err != nil {
		t.Fatalf("unaltered model: %v", err)
	}
	for name, alter := range map[string]func(w *wire){
		"count":           func(w *wire) { w.Tables[2].Count[0]++ },
		"total":           func(w *wire) { w.Tables[1].Total[0]++ },
		"distinct":        func(w *wire) { w.Tables[0].Distinct[3]++ },
		"nan discount":    func(w *wire) { w.D[1] = math.NaN() },
		"zero discount":   func(w *wire) { w.D[0] = 0 },
		"prefix":          func(w *wire) { w.Tables[1].Keys[0] = gramKey(int32(len(w.Tables[0].Keys)), seq.First) },
		"token":           func(w *wire) { w.Tables[0].Keys[1] = gramKey(0, int32(w.V)) },
		"repeated":        func(w *wire) { w.Tables[0].Keys[2] = w.Tables[0].Keys[1] },
		"short counts":    func(w *wire) { w.Tables[1].Count = w.Tables[1].Count[1:] },
		"top totals":      func(w *wire) { w.Tables[2].Total = make([]uint32, len(w.Tables[2].Keys)) },
		"order":           func(w *wire) { w.Order = MaxOrder + 1 },
		"tables":          func(w *wire) { w.Tables = w.Tables[:2] },
		"bound":           func(w *wire) { w.MaxEntries = 2 },
		"root":            func(w *wire) { w.RootTotal++ },
		"inf offset":      func(w *wire) { w.Cal.Offset = math.Inf(1) },
		"contamination":   func(w *wire) { w.Cal.Contamination = 0.7 },
		"nan threshold":   func(w *wire) { w.Threshold = math.NaN() },
		"vocabulary size": func(w *wire) { w.V = 1 },
		"window":          func(w *wire) { w.Window = 0 },
		"method":          func(w *wire) { w.Method = 9 },
	} {
		w := m.wire()
		alter(w)
		if err := decode(w); err == nil {
			t.Errorf("%s: crafted model accepted", name)
		}
	}
}

func TestMostSurprising(t *testing.T) {
	s := []float64{1, 5, 5, 0, 9, 0, 1}
	for _, c := range []struct {
		n    int
		want Window
	}{
		{1, Window{4, 1, 9}},
		{2, Window{1, 2, 5}},
		{3, Window{2, 3, 14.0 / 3}},
		{20, Window{0, 7, 3}},
	} {
		if got := MostSurprising(s, c.n); got != c.want {
			t.Errorf("window %d: %v, want %v", c.n, got, c.want)
		}
	}
	if got := MostSurprising(nil, 3); got != (Window{}) {
		t.Errorf("empty: %v", got)
	}
}
