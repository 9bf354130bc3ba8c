// Package ngram scores token sequences (see package seq) with an
// interpolated n-gram language model of order N: interpolated Kneser-Ney or
// interpolated absolute discounting (Chen and Goodman 1998, one discount
// per order).
//
// Every sequence is modelled as N-1 BOS tokens, its calls, then EOS. With
// c(h w) the count of gram h w at order k (raw counts at the top order N
// and, for absolute discounting, at every order; for Kneser-Ney below N the
// continuation count: how many distinct tokens precede h w in training),
// T(h) = sum_w c(h w), R(h) = |{w : c(h w) > 0}| and D_k = n1/(n1 + 2 n2)
// over the counts of order k (0.5 when n1 = 0):
//
//	P_0(w)        = 1/|V'|                        V' = every token but BOS
//	P_k(w | h)    = (max(c(h w) - D_k, 0) + D_k R(h) P_{k-1}(w | h')) / T(h)
//	P_k(w | h)    = P_{k-1}(w | h')               when T(h) = 0 or h is not stored
//
// where h' is h without its oldest token. Each step mixes a distribution
// over V' with weights summing to one, so P_N sums to 1 over V' at every
// context (the tests check it exhaustively); every token, UNK included, has
// probability at least (prod_k D_k R/T) / |V'| > 0.
//
// The surprisal of call i is -ln P_N(x_i | its N-1 predecessors), in nats.
// A sequence's statistic (higher is more anomalous) is either the fraction
// of its calls whose surprisal exceeds Config.Threshold (FracAbove) or
// their mean surprisal (MeanNLL); EOS is predicted in training but not
// scored. An empty sequence has statistic +Inf. The decision function is
// Offset - statistic with the offset from out-of-fold training statistics
// (seq.Calibrate).
//
// Memory: counts live in one hash table per order, with at most
// Config.MaxEntries grams each (default DefaultMaxEntries). When an order's
// table is full, grams not yet in it are not stored: their counts are lost
// and, at that position, every higher order too (their prefix has no id).
// Totals are computed from what is stored, so the model still sums to 1; a
// missing context backs off to the lower order. A stored gram takes 24
// bytes plus 2 to 4 index slots of 8 bytes, so a model holds at most
// 56 x MaxEntries x N bytes (Bytes reports the actual figure: 23.7 MB for
// N = 10 on ADFA-LD's training traces).
package ngram

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"slices"

	"detector/seq"
)

// Method selects the smoothing.
type Method uint8

const (
	KneserNey           Method = iota // interpolated Kneser-Ney
	AbsoluteDiscounting               // interpolated absolute discounting
)

func (m Method) String() string {
	switch m {
	case KneserNey:
		return "kneser-ney"
	case AbsoluteDiscounting:
		return "absolute-discounting"
	}
	return fmt.Sprintf("Method(%d)", m)
}

// Stat selects the per-sequence statistic.
type Stat uint8

const (
	FracAbove Stat = iota // fraction of calls with surprisal > Threshold
	MeanNLL               // mean surprisal of the calls
)

func (s Stat) String() string {
	switch s {
	case FracAbove:
		return "frac-above"
	case MeanNLL:
		return "mean-nll"
	}
	return fmt.Sprintf("Stat(%d)", s)
}

// Limits enforced by Fit and Validate.
const (
	MaxOrder          = 32
	DefaultMaxEntries = 1 << 22 // grams per order
	MaxMaxEntries     = 1 << 28
	MaxWindow         = 1 << 20
	maxTokens         = 1 << 31 // training tokens (counts are uint32)
)

// Config holds the hyper-parameters. The zero value is not usable: use
// DefaultConfig and change what you need.
type Config struct {
	Order      int     // N, 1..MaxOrder
	Method     Method  //
	Stat       Stat    //
	Threshold  float64 // surprisal threshold of FracAbove, in nats
	Window     int     // length of the evidence window (MostSurprising)
	MaxEntries int     // grams per order; 0 means DefaultMaxEntries

	Contamination float64 // fraction of training sequences below 0 out of fold, (0, 0.5]
	Folds         int     // folds for the out-of-fold calibration, >= 2
	Seed          uint64  // seed of the fold split
}

// DefaultConfig returns the defaults chosen on the ADFA-LD development
// split (see the package tests).
func DefaultConfig() Config {
	return Config{Order: 10, Method: KneserNey, Stat: FracAbove, Threshold: 3, Window: 10,
		Contamination: 0.1, Folds: 5, Seed: 0}
}

// Model is a fitted n-gram model. It is gob-encodable, its tables as flat
// arrays (see Tables); a decoded model is validated (GobDecode calls
// Validate).
type Model struct {
	Order      int
	Method     Method
	Stat       Stat
	Threshold  float64
	Window     int
	MaxEntries int
	V          int       // vocabulary size, reserved tokens included; tokens are in [0, V)
	D          []float64 // D[k-1] is the discount of order k
	// RootTotal and RootDistinct are T and R of the empty context.
	RootTotal, RootDistinct uint32
	Cal                     seq.Calibration

	tables []table // tables[k-1] holds the grams of order k
	bos    []int32 // bos[k] is the id of k BOS tokens in tables[k-1], k < Order; bos[0] = 0
}

// Tables is the encoded form of one order's grams: flat arrays indexed by
// gram id. A gram's key is its prefix's id in the previous order's arrays
// (0 at order 1) shifted left by 32, or-ed with its last token. Count is
// the gram's count at its order; Total and Distinct (empty at the top
// order) are T and R of the gram as a context of the next order.
type Tables struct {
	Keys                   []uint64
	Count, Total, Distinct []uint32
}

func (c Config) check(v int) error {
	switch {
	case c.Order < 1 || c.Order > MaxOrder:
		return fmt.Errorf("order %d not in [1, %d]", c.Order, MaxOrder)
	case c.Method > AbsoluteDiscounting:
		return fmt.Errorf("unknown method %v", c.Method)
	case c.Stat > MeanNLL:
		return fmt.Errorf("unknown statistic %v", c.Stat)
	case math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) || c.Threshold < 0:
		return fmt.Errorf("surprisal threshold %v not finite and >= 0", c.Threshold)
	case c.Window < 1 || c.Window > MaxWindow:
		return fmt.Errorf("window %d not in [1, %d]", c.Window, MaxWindow)
	case c.MaxEntries < 0 || c.MaxEntries > MaxMaxEntries:
		return fmt.Errorf("max entries %d not in [1, %d]", c.MaxEntries, MaxMaxEntries)
	case v <= int(seq.First) || v > seq.MaxNames+int(seq.First):
		return fmt.Errorf("vocabulary size %d not in [%d, %d]", v, seq.First+1, seq.MaxNames+int(seq.First))
	}
	return nil
}

// Fit fits the model on the encoded training sequences (tokens in [0, v),
// v the vocabulary's Size) and calibrates its decision offset on
// cfg.Folds-fold out-of-fold statistics.
func Fit(train [][]int32, v int, cfg Config) (*Model, error) {
	m, err := FitCounts(train, v, cfg)
	if err != nil {
		return nil, err
	}
	oof, err := seq.OutOfFold(func(tr [][]int32) (seq.Scorer, error) { return FitCounts(tr, v, cfg) }, train, cfg.Folds, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("fit ngram: %w", err)
	}
	if m.Cal, err = seq.Calibrate(oof, cfg.Contamination, cfg.Folds, cfg.Seed); err != nil {
		return nil, fmt.Errorf("fit ngram: %w", err)
	}
	return m, nil
}

// FitCounts fits the counts only; the model's Cal is zero, so its Decision
// is not calibrated (Statistic and Surprisals are usable).
func FitCounts(train [][]int32, v int, cfg Config) (*Model, error) {
	if err := cfg.check(v); err != nil {
		return nil, fmt.Errorf("fit ngram: %w", err)
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("fit ngram: no training sequences")
	}
	n := cfg.Order
	m := &Model{Order: n, Method: cfg.Method, Stat: cfg.Stat, Threshold: cfg.Threshold, Window: cfg.Window,
		MaxEntries: cfg.MaxEntries, V: v, D: make([]float64, n), tables: make([]table, n)}
	if m.MaxEntries == 0 {
		m.MaxEntries = DefaultMaxEntries
	}
	total := 0
	for _, s := range train {
		total += len(s) + 1
		if total >= maxTokens {
			return nil, fmt.Errorf("fit ngram: more than %d training tokens", maxTokens)
		}
	}
	// The BOS runs: ids of k BOS tokens for k < n.
	m.bos = make([]int32, n)
	for k := 1; k < n; k++ {
		m.bos[k], _ = m.tables[k-1].insert(gramKey(m.bos[k-1], seq.BOS), m.MaxEntries)
		if m.bos[k] < 0 {
			return nil, fmt.Errorf("fit ngram: max entries %d too small", m.MaxEntries)
		}
	}
	kn := cfg.Method == KneserNey
	prev := make([]int32, n+1)
	cur := make([]int32, n+1)
	for _, s := range train {
		copy(prev, m.bos)
		for i := 0; i <= len(s); i++ {
			t := seq.EOS
			if i < len(s) {
				t = s[i]
				if t < 0 || int(t) >= v || t == seq.BOS {
					return nil, fmt.Errorf("fit ngram: token %d of sequence not in [0, %d) or BOS", t, v)
				}
			}
			cur[0] = 0
			for k := 1; k <= n; k++ {
				if prev[k-1] < 0 {
					cur[k] = -1
					continue
				}
				tb := &m.tables[k-1]
				id, isNew := tb.insert(gramKey(prev[k-1], t), m.MaxEntries)
				cur[k] = id
				if id < 0 {
					continue
				}
				if !kn || k == n {
					tb.ents[id].count++
				}
				// Grams are first inserted at a scored position (only the BOS
				// runs are not, and they were inserted above), so for
				// Kneser-Ney a new gram of order k adds one left extension to
				// its suffix, the gram of order k-1 ending here.
				if kn && isNew && k > 1 && cur[k-1] >= 0 {
					m.tables[k-2].ents[cur[k-1]].count++
				}
			}
			prev, cur = cur, prev
		}
	}
	for k := range m.tables {
		m.tables[k].ents = slices.Clip(slices.Clone(m.tables[k].ents)) // drop the growth slack
	}
	m.totals()
	for k := 1; k <= n; k++ {
		var n1, n2 float64
		for _, e := range m.tables[k-1].ents {
			switch e.count {
			case 1:
				n1++
			case 2:
				n2++
			}
		}
		m.D[k-1] = 0.5
		if n1 > 0 {
			m.D[k-1] = n1 / (n1 + 2*n2)
		}
	}
	return m, nil
}

// totals computes total and distinct of every context from the counts.
func (m *Model) totals() {
	m.RootTotal, m.RootDistinct = 0, 0
	for _, e := range m.tables[0].ents {
		if e.count > 0 {
			m.RootTotal += e.count
			m.RootDistinct++
		}
	}
	for k := 2; k <= m.Order; k++ {
		lo := m.tables[k-2].ents
		for i := range lo {
			lo[i].total, lo[i].distinct = 0, 0
		}
		for _, e := range m.tables[k-1].ents {
			if e.count > 0 {
				p := keyPrefix(e.key)
				lo[p].total += e.count
				lo[p].distinct++
			}
		}
	}
}

// step mixes the order-k estimate into p: context total T and distinct R,
// gram count c.
func step(p float64, c, total, distinct uint32, d float64) float64 {
	return (math.Max(float64(c)-d, 0) + d*float64(distinct)*p) / float64(total)
}

// walker computes the probability of each token of a sequence in turn.
type walker struct {
	m         *Model
	prev, cur []int32 // gram ids ending at the previous and the current token, by order
	uniform   float64
}

func (m *Model) newWalker() *walker {
	w := &walker{m: m, prev: make([]int32, m.Order+1), cur: make([]int32, m.Order+1),
		uniform: 1 / float64(m.V-1)}
	copy(w.prev, m.bos)
	return w
}

// next returns P(t | the tokens so far) and moves past t.
func (w *walker) next(t int32) float64 {
	m := w.m
	if t < 0 || int(t) >= m.V || t == seq.BOS {
		t = seq.UNK
	}
	p := w.uniform
	w.cur[0] = 0
	for k := 1; k <= m.Order; k++ {
		ctx := w.prev[k-1]
		if ctx < 0 {
			// The context is not stored: back off to the lower order.
			w.cur[k] = -1
			continue
		}
		tb := &m.tables[k-1]
		id := tb.find(gramKey(ctx, t))
		w.cur[k] = id
		var c uint32
		if id >= 0 {
			c = tb.ents[id].count
		}
		total, distinct := m.RootTotal, m.RootDistinct
		if k > 1 {
			e := &m.tables[k-2].ents[ctx]
			total, distinct = e.total, e.distinct
		}
		if total > 0 {
			p = step(p, c, total, distinct, m.D[k-1])
		}
	}
	w.prev, w.cur = w.cur, w.prev
	return p
}

// Prob returns P(t | context), context being the tokens before t (the
// last Order-1 matter; fewer are padded with BOS).
func (m *Model) Prob(context []int32, t int32) float64 {
	w := m.newWalker()
	if len(context) > m.Order-1 {
		context = context[len(context)-(m.Order-1):]
	}
	for _, c := range context {
		w.next(c)
	}
	return w.next(t)
}

// Surprisals returns -ln P of each call of s given its predecessors.
func (m *Model) Surprisals(s []int32) []float64 {
	out := make([]float64, len(s))
	w := m.newWalker()
	for i, t := range s {
		out[i] = -math.Log(w.next(t))
	}
	return out
}

// Statistic returns the model's statistic of s (see the package comment):
// +Inf for an empty sequence.
func (m *Model) Statistic(s []int32) float64 {
	if len(s) == 0 {
		return math.Inf(1)
	}
	w := m.newWalker()
	var sum float64
	above := 0
	for _, t := range s {
		x := -math.Log(w.next(t))
		sum += x
		if x > m.Threshold {
			above++
		}
	}
	if m.Stat == FracAbove {
		return float64(above) / float64(len(s))
	}
	return sum / float64(len(s))
}

// Decision returns Cal.Offset - Statistic(s): above 0 normal, below 0
// anomalous.
func (m *Model) Decision(s []int32) float64 { return m.Cal.Decision(m.Statistic(s)) }

// Window is a run of calls: Start (0-based index into the sequence),
// Length, and the mean surprisal of its calls.
type Window struct {
	Start, Length int
	Mean          float64
}

// MostSurprising returns the window of m.Window consecutive calls (all of
// s when shorter) with the highest mean surprisal, the earliest on ties;
// Length 0 for an empty s.
func (m *Model) MostSurprising(s []int32) Window {
	return MostSurprising(m.Surprisals(s), m.Window)
}

// MostSurprising returns the window of n consecutive values of surprisal
// (all of them when fewer) with the highest mean, the earliest on ties.
func MostSurprising(surprisal []float64, n int) Window {
	if len(surprisal) == 0 || n < 1 {
		return Window{}
	}
	if n > len(surprisal) {
		n = len(surprisal)
	}
	var sum float64
	for _, x := range surprisal[:n] {
		sum += x
	}
	best := Window{0, n, sum}
	for i := n; i < len(surprisal); i++ {
		// Recompute rather than slide, so rounding never favours a later window.
		sum = 0
		for _, x := range surprisal[i-n+1 : i+1] {
			sum += x
		}
		if sum > best.Mean {
			best = Window{i - n + 1, n, sum}
		}
	}
	best.Mean /= float64(n)
	return best
}

// Bytes returns the memory held by the model's tables.
func (m *Model) Bytes() int {
	b := 8*len(m.D) + 4*len(m.bos)
	for i := range m.tables {
		b += m.tables[i].bytes()
	}
	return b
}

// Entries returns the number of grams stored per order.
func (m *Model) Entries() []int {
	out := make([]int, m.Order)
	for i := range m.tables {
		out[i] = len(m.tables[i].ents)
	}
	return out
}

// wire is the encoded form of a model.
type wire struct {
	Order        int
	Method       Method
	Stat         Stat
	Threshold    float64
	Window       int
	MaxEntries   int
	V            int
	D            []float64
	Tables       []Tables
	RootTotal    uint32
	RootDistinct uint32
	Cal          seq.Calibration
}

func (m *Model) wire() *wire {
	w := &wire{Order: m.Order, Method: m.Method, Stat: m.Stat, Threshold: m.Threshold, Window: m.Window,
		MaxEntries: m.MaxEntries, V: m.V, D: m.D, RootTotal: m.RootTotal, RootDistinct: m.RootDistinct, Cal: m.Cal,
		Tables: make([]Tables, len(m.tables))}
	for k, tb := range m.tables {
		n := len(tb.ents)
		t := Tables{Keys: make([]uint64, n), Count: make([]uint32, n)}
		if k+1 < m.Order {
			t.Total, t.Distinct = make([]uint32, n), make([]uint32, n)
		}
		for i, e := range tb.ents {
			t.Keys[i], t.Count[i] = e.key, e.count
			if t.Total != nil {
				t.Total[i], t.Distinct[i] = e.total, e.distinct
			}
		}
		w.Tables[k] = t
	}
	return w
}

// fromWire checks an encoded model: known settings within the limits,
// tables of consistent lengths within MaxEntries, every key's prefix and
// token in range, no repeated gram, totals equal to the sums of the counts,
// discounts in (0, 1], a valid calibration; and builds the model.
func fromWire(w *wire) (*Model, error) {
	cfg := Config{Order: w.Order, Method: w.Method, Stat: w.Stat, Threshold: w.Threshold, Window: w.Window, MaxEntries: w.MaxEntries}
	if err := cfg.check(w.V); err != nil {
		return nil, fmt.Errorf("ngram model: %w", err)
	}
	if w.MaxEntries < 1 {
		return nil, fmt.Errorf("ngram model: max entries %d", w.MaxEntries)
	}
	if len(w.D) != w.Order || len(w.Tables) != w.Order {
		return nil, fmt.Errorf("ngram model: %d discounts and %d tables for order %d", len(w.D), len(w.Tables), w.Order)
	}
	for k, d := range w.D {
		if !(d > 0 && d <= 1) {
			return nil, fmt.Errorf("ngram model: discount of order %d is %v, not in (0, 1]", k+1, d)
		}
	}
	if err := w.Cal.Validate(); err != nil {
		return nil, fmt.Errorf("ngram model: %w", err)
	}
	m := &Model{Order: w.Order, Method: w.Method, Stat: w.Stat, Threshold: w.Threshold, Window: w.Window,
		MaxEntries: w.MaxEntries, V: w.V, D: append([]float64(nil), w.D...), Cal: w.Cal,
		tables: make([]table, w.Order)}
	for k := 1; k <= w.Order; k++ {
		t := &w.Tables[k-1]
		n := len(t.Keys)
		ctxLen := 0
		if k < w.Order {
			ctxLen = n
		}
		if n > w.MaxEntries || len(t.Count) != n || len(t.Total) != ctxLen || len(t.Distinct) != ctxLen {
			return nil, fmt.Errorf("ngram model: order %d: inconsistent table lengths", k)
		}
		lower := 1 // the root
		if k > 1 {
			lower = len(w.Tables[k-2].Keys)
		}
		ents := make([]entry, n)
		for id, key := range t.Keys {
			p, tok := keyPrefix(key), keyToken(key)
			if p < 0 || int(p) >= lower || tok < 0 || int(tok) >= w.V || (tok == seq.BOS && t.Count[id] != 0) {
				return nil, fmt.Errorf("ngram model: order %d: gram %d out of range", k, id)
			}
			ents[id] = entry{key: key, count: t.Count[id]}
		}
		m.tables[k-1].ents = ents
		if err := m.tables[k-1].reindex(); err != nil {
			return nil, fmt.Errorf("ngram model: order %d: %w", k, err)
		}
	}
	// Recompute the totals in 64 bits and compare.
	var rootTotal, rootDistinct uint64
	for _, c := range w.Tables[0].Count {
		if c > 0 {
			rootTotal += uint64(c)
			rootDistinct++
		}
	}
	if rootTotal != uint64(w.RootTotal) || rootDistinct != uint64(w.RootDistinct) || rootTotal == 0 {
		return nil, fmt.Errorf("ngram model: root totals do not match the counts")
	}
	for k := 2; k <= w.Order; k++ {
		t, lo := &w.Tables[k-1], &w.Tables[k-2]
		total := make([]uint64, len(lo.Keys))
		distinct := make([]uint64, len(lo.Keys))
		for id, c := range t.Count {
			if c > 0 {
				p := keyPrefix(t.Keys[id])
				total[p] += uint64(c)
				distinct[p]++
			}
		}
		for id := range total {
			if total[id] != uint64(lo.Total[id]) || distinct[id] != uint64(lo.Distinct[id]) {
				return nil, fmt.Errorf("ngram model: order %d: totals do not match the counts", k-1)
			}
		}
	}
	m.totals()
	m.bos = make([]int32, m.Order)
	for k := 1; k < m.Order; k++ {
		m.bos[k] = m.tables[k-1].find(gramKey(m.bos[k-1], seq.BOS))
		if m.bos[k] < 0 {
			return nil, fmt.Errorf("ngram model: order %d lacks the BOS context", k)
		}
	}
	return m, nil
}

// Validate checks the model as GobDecode checks a decoded one.
func (m *Model) Validate() error {
	_, err := fromWire(m.wire())
	return err
}

// GobEncode encodes the model, its tables as flat arrays.
func (m *Model) GobEncode() ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(m.wire())
	return buf.Bytes(), err
}

// GobDecode decodes and validates a model.
func (m *Model) GobDecode(b []byte) error {
	var w wire
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&w); err != nil {
		return fmt.Errorf("ngram model: %w", err)
	}
	nm, err := fromWire(&w)
	if err != nil {
		return err
	}
	*m = *nm
	return nil
}
