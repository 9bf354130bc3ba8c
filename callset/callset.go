// Package callset scores token sequences (see package seq) by the set of
// distinct calls they make, ignoring order: each sequence becomes a bit set
// over the vocabulary (UNK included, so an unknown call is a difference
// too), and its statistic is the mean cosine distance to its K nearest
// training sets,
//
//	d(A, B) = 1 - |A ∩ B| / sqrt(|A| |B|)     (1 when either set is empty)
//
// higher meaning more anomalous. Training sets are stored once each with
// their multiplicity, so a set repeated in training counts as that many
// neighbours. The decision function is Offset - statistic with the offset
// from out-of-fold training statistics (seq.Calibrate). An empty sequence
// has statistic +Inf.
package callset

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"

	"detector/algo"
	"detector/seq"
)

// Limits enforced by Fit and Validate.
const (
	MaxK    = 1 << 12
	MaxSets = 1 << 22
)

// Config holds the hyper-parameters.
type Config struct {
	K             int     // neighbours, 1..MaxK
	Contamination float64 // (0, 0.5]
	Folds         int     // >= 2
	Seed          uint64
}

// DefaultConfig returns the defaults chosen on the ADFA-LD development
// split (see the ensemble package's tests).
func DefaultConfig() Config { return Config{K: 1, Contamination: 0.1, Folds: 5, Seed: 0} }

// Model is a fitted call-set model, gob-encodable; GobDecode validates.
type Model struct {
	K     int
	V     int      // vocabulary size; tokens are in [0, V)
	Words int      // uint64 words per set: ceil(V/64)
	Bits  []uint64 // distinct training sets, Words words each, in increasing order
	Mult  []uint32 // how many training sequences have each set
	Cal   seq.Calibration

	pop []int // each set's size
}

func words(v int) int { return (v + 63) / 64 }

// set returns the bit set of s in dst (len Words).
func set(dst []uint64, s []int32, v int) {
	clear(dst)
	for _, t := range s {
		if t < 0 || int(t) >= v {
			t = seq.UNK
		}
		dst[t>>6] |= 1 << (uint(t) & 63)
	}
}

func compareSets(a, b []uint64) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// FitSets stores the training sets, without calibration.
func FitSets(train [][]int32, v int, cfg Config) (*Model, error) {
	if cfg.K < 1 || cfg.K > MaxK {
		return nil, fmt.Errorf("fit callset: k %d not in [1, %d]", cfg.K, MaxK)
	}
	if v <= int(seq.First) || v > seq.MaxNames+int(seq.First) {
		return nil, fmt.Errorf("fit callset: vocabulary size %d out of range", v)
	}
	if len(train) == 0 || len(train) > MaxSets {
		return nil, fmt.Errorf("fit callset: %d training sequences, want 1..%d", len(train), MaxSets)
	}
	w := words(v)
	all := make([][]uint64, len(train))
	for i, s := range train {
		all[i] = make([]uint64, w)
		set(all[i], s, v)
	}
	sort.Slice(all, func(i, j int) bool { return compareSets(all[i], all[j]) < 0 })
	m := &Model{K: cfg.K, V: v, Words: w}
	for i, s := range all {
		if i > 0 && compareSets(all[i-1], s) == 0 {
			m.Mult[len(m.Mult)-1]++
			continue
		}
		m.Bits = append(m.Bits, s...)
		m.Mult = append(m.Mult, 1)
	}
	m.index()
	return m, nil
}

// Fit stores the training sets and calibrates the decision offset on
// out-of-fold statistics.
func Fit(train [][]int32, v int, cfg Config) (*Model, error) {
	m, err := FitSets(train, v, cfg)
	if err != nil {
		return nil, err
	}
	oof, err := seq.OutOfFold(func(tr [][]int32) (seq.Scorer, error) { return FitSets(tr, v, cfg) }, train, cfg.Folds, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("fit callset: %w", err)
	}
	if m.Cal, err = seq.Calibrate(oof, cfg.Contamination, cfg.Folds, cfg.Seed); err != nil {
		return nil, fmt.Errorf("fit callset: %w", err)
	}
	return m, nil
}

func (m *Model) index() {
	m.pop = make([]int, len(m.Mult))
	for i := range m.pop {
		for _, x := range m.Bits[i*m.Words : (i+1)*m.Words] {
			m.pop[i] += bits.OnesCount64(x)
		}
	}
}

// Neighbor is a training set near a sequence: its index among the model's
// distinct sets, its cosine distance and multiplicity.
type Neighbor struct {
	Set      int
	Distance float64
	Mult     int
}

// Nearest returns the nearest distinct training sets of s, closest first
// (ties by lower index), enough of them to cover K training sequences
// counting multiplicity.
func (m *Model) Nearest(s []int32) []Neighbor {
	q := make([]uint64, m.Words)
	set(q, s, m.V)
	qn := 0
	for _, x := range q {
		qn += bits.OnesCount64(x)
	}
	// best holds the nearest sets so far, sorted by (distance, index), no
	// more than needed to cover K sequences once the last one is dropped.
	var best []Neighbor
	covered := 0
	for i := range m.Mult {
		d := 1.0
		if qn > 0 && m.pop[i] > 0 {
			inter := 0
			b := m.Bits[i*m.Words : (i+1)*m.Words]
			for j, x := range q {
				inter += bits.OnesCount64(x & b[j])
			}
			// sqrt of the exact integer product: identical sets are at 0.
			d = 1 - float64(inter)/math.Sqrt(float64(qn)*float64(m.pop[i]))
			if d < 0 {
				d = 0
			}
		}
		if covered >= m.K && d >= best[len(best)-1].Distance {
			continue // sets are visited in index order: a tie loses to the earlier one
		}
		nb := Neighbor{i, d, int(m.Mult[i])}
		pos := len(best)
		for pos > 0 && best[pos-1].Distance > d {
			pos--
		}
		best = slices.Insert(best, pos, nb)
		covered += nb.Mult
		for covered-best[len(best)-1].Mult >= m.K {
			covered -= best[len(best)-1].Mult
			best = best[:len(best)-1]
		}
	}
	return best
}

// Statistic returns the mean cosine distance of s to its K nearest
// training sequences (fewer when training had fewer); +Inf when s is empty.
func (m *Model) Statistic(s []int32) float64 {
	if len(s) == 0 {
		return math.Inf(1)
	}
	var sum float64
	left := m.K
	for _, nb := range m.Nearest(s) {
		n := min(nb.Mult, left)
		sum += float64(n) * nb.Distance
		left -= n
	}
	return sum / float64(m.K-left)
}

// Decision returns Cal.Offset - Statistic(s): above 0 normal.
func (m *Model) Decision(s []int32) float64 { return m.Cal.Decision(m.Statistic(s)) }

// Unseen returns the tokens of s that no training sequence of the nearest
// set has: the evidence for a high distance.
func (m *Model) Unseen(s []int32) []int32 {
	nb := m.Nearest(s)
	if len(nb) == 0 {
		return nil
	}
	b := m.Bits[nb[0].Set*m.Words : (nb[0].Set+1)*m.Words]
	q := make([]uint64, m.Words)
	set(q, s, m.V)
	var out []int32
	for j, x := range q {
		for x &^= b[j]; x != 0; x &= x - 1 {
			out = append(out, int32(64*j+bits.TrailingZeros64(x)))
		}
	}
	return out
}

// Bytes returns the memory the model's arrays hold.
func (m *Model) Bytes() int { return 8*len(m.Bits) + 4*len(m.Mult) + 8*len(m.pop) }

// Validate checks a decoded model: K and the vocabulary size in range,
// Words = ceil(V/64), sets of Words words with no bit at or above V, in
// strictly increasing order, multiplicities above 0, a valid calibration.
func (m *Model) Validate() error {
	if m.K < 1 || m.K > MaxK || m.V <= int(seq.First) || m.V > seq.MaxNames+int(seq.First) || m.Words != words(m.V) {
		return fmt.Errorf("callset model: k %d, vocabulary size %d, %d words out of range", m.K, m.V, m.Words)
	}
	if len(m.Mult) == 0 || len(m.Mult) > MaxSets || len(m.Bits) != len(m.Mult)*m.Words {
		return fmt.Errorf("callset model: %d sets of %d words in %d words", len(m.Mult), m.Words, len(m.Bits))
	}
	for i, c := range m.Mult {
		if c == 0 {
			return fmt.Errorf("callset model: set %d has multiplicity 0", i)
		}
		b := m.Bits[i*m.Words : (i+1)*m.Words]
		if r := m.V % 64; r != 0 && b[m.Words-1]>>uint(r) != 0 {
			return fmt.Errorf("callset model: set %d has tokens beyond the vocabulary", i)
		}
		if i > 0 && compareSets(m.Bits[(i-1)*m.Words:i*m.Words], b) >= 0 {
			return fmt.Errorf("callset model: sets %d and %d out of order or repeated", i-1, i)
		}
	}
	if err := m.Cal.Validate(); err != nil {
		return fmt.Errorf("callset model: %w", err)
	}
	m.index()
	return nil
}

type modelGob Model

// GobEncode encodes the model's exported fields.
func (m *Model) GobEncode() ([]byte, error) {
	return algo.EncodeGob((*modelGob)(m))
}

// GobDecode decodes and validates a model.
func (m *Model) GobDecode(b []byte) error {
	var g modelGob
	if err := algo.DecodeGob(b, &g); err != nil {
		return fmt.Errorf("callset model: %w", err)
	}
	nm := (*Model)(&g)
	if err := nm.Validate(); err != nil {
		return err
	}
	*m = *nm
	return nil
}
