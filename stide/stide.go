// Package stide is the classical sequence time-delay embedding detector
// (Forrest et al. 1996; Warrender et al. 1999) over token sequences (see
// package seq): training stores every window of N consecutive tokens; a
// sequence's statistic is its mismatch rate, the fraction of its windows
// not in that database, higher meaning more anomalous.
//
// Every sequence is preceded by N-1 BOS tokens, so it has one window
// ending at each of its calls (a sequence shorter than N is still scored)
// and its beginning is part of the behaviour. The decision function is
// Offset - statistic with the offset from out-of-fold training statistics
// (seq.Calibrate). An empty sequence has statistic +Inf.
package stide

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"detector/algo"
	"detector/seq"
)

// Limits enforced by Fit and Validate.
const (
	MaxN       = 64
	MaxWindows = 1 << 24
)

// Config holds the hyper-parameters.
type Config struct {
	N             int     // window length, 1..MaxN
	Contamination float64 // (0, 0.5]
	Folds         int     // >= 2
	Seed          uint64
}

// DefaultConfig returns the defaults chosen on the ADFA-LD development
// split (N = 8; see the ensemble package's tests).
func DefaultConfig() Config { return Config{N: 8, Contamination: 0.1, Folds: 5, Seed: 0} }

// Model is a fitted STIDE database, gob-encodable; GobDecode validates.
type Model struct {
	N       int
	V       int     // vocabulary size; tokens are in [0, V)
	Windows []int32 // distinct windows, N tokens each, in increasing lexicographic order
	Cal     seq.Calibration

	set map[string]struct{}
}

// windows calls fn with the key of the window ending at each call of s.
func windows(s []int32, n, v int, fn func(i int, key []byte)) {
	buf := make([]byte, 4*n)
	for i := range n - 1 {
		binary.LittleEndian.PutUint32(buf[4*i:], uint32(seq.BOS))
	}
	for i, t := range s {
		if t < 0 || int(t) >= v || t == seq.BOS {
			t = seq.UNK
		}
		copy(buf, buf[4:])
		binary.LittleEndian.PutUint32(buf[4*(n-1):], uint32(t))
		fn(i, buf)
	}
}

// FitWindows builds the database, without calibration.
func FitWindows(train [][]int32, v int, cfg Config) (*Model, error) {
	if cfg.N < 1 || cfg.N > MaxN {
		return nil, fmt.Errorf("fit stide: window %d not in [1, %d]", cfg.N, MaxN)
	}
	if v <= int(seq.First) || v > seq.MaxNames+int(seq.First) {
		return nil, fmt.Errorf("fit stide: vocabulary size %d out of range", v)
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("fit stide: no training sequences")
	}
	m := &Model{N: cfg.N, V: v, set: make(map[string]struct{})}
	var err error
	for _, s := range train {
		windows(s, cfg.N, v, func(_ int, key []byte) {
			if _, ok := m.set[string(key)]; !ok {
				if len(m.set) >= MaxWindows {
					err = fmt.Errorf("fit stide: more than %d distinct windows", MaxWindows)
					return
				}
				m.set[string(key)] = struct{}{}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	keys := make([][]int32, 0, len(m.set))
	for k := range m.set {
		w := make([]int32, cfg.N)
		for i := range w {
			w[i] = int32(binary.LittleEndian.Uint32([]byte(k[4*i:])))
		}
		keys = append(keys, w)
	}
	slices.SortFunc(keys, slices.Compare)
	m.Windows = make([]int32, 0, len(keys)*cfg.N)
	for _, w := range keys {
		m.Windows = append(m.Windows, w...)
	}
	return m, nil
}

// Fit builds the database and calibrates the decision offset on
// out-of-fold statistics.
func Fit(train [][]int32, v int, cfg Config) (*Model, error) {
	m, err := FitWindows(train, v, cfg)
	if err != nil {
		return nil, err
	}
	oof, err := seq.OutOfFold(func(tr [][]int32) (seq.Scorer, error) { return FitWindows(tr, v, cfg) }, train, cfg.Folds, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("fit stide: %w", err)
	}
	if m.Cal, err = seq.Calibrate(oof, cfg.Contamination, cfg.Folds, cfg.Seed); err != nil {
		return nil, fmt.Errorf("fit stide: %w", err)
	}
	return m, nil
}

// Mismatches reports, for each call of s, whether the window ending at it
// is missing from the database.
func (m *Model) Mismatches(s []int32) []bool {
	out := make([]bool, len(s))
	windows(s, m.N, m.V, func(i int, key []byte) {
		_, ok := m.set[string(key)]
		out[i] = !ok
	})
	return out
}

// Statistic returns the mismatch rate of s; +Inf when s is empty.
func (m *Model) Statistic(s []int32) float64 {
	if len(s) == 0 {
		return math.Inf(1)
	}
	miss := 0
	windows(s, m.N, m.V, func(_ int, key []byte) {
		if _, ok := m.set[string(key)]; !ok {
			miss++
		}
	})
	return float64(miss) / float64(len(s))
}

// Decision returns Cal.Offset - Statistic(s): above 0 normal.
func (m *Model) Decision(s []int32) float64 { return m.Cal.Decision(m.Statistic(s)) }

// Len returns the number of distinct windows.
func (m *Model) Len() int { return len(m.Windows) / max(m.N, 1) }

// Validate checks a decoded model: N and the vocabulary size in range, at
// most MaxWindows windows of N tokens in [0, V), strictly increasing, a
// valid calibration; it rebuilds the lookup set.
func (m *Model) Validate() error {
	if m.N < 1 || m.N > MaxN || m.V <= int(seq.First) || m.V > seq.MaxNames+int(seq.First) {
		return fmt.Errorf("stide model: window %d or vocabulary size %d out of range", m.N, m.V)
	}
	if len(m.Windows)%m.N != 0 || len(m.Windows)/m.N > MaxWindows || len(m.Windows) == 0 {
		return fmt.Errorf("stide model: %d tokens do not make 1..%d windows of %d", len(m.Windows), MaxWindows, m.N)
	}
	for _, t := range m.Windows {
		if t < 0 || int(t) >= m.V {
			return fmt.Errorf("stide model: token %d out of range", t)
		}
	}
	n := m.N
	for i := n; i < len(m.Windows); i += n {
		if slices.Compare(m.Windows[i-n:i], m.Windows[i:i+n]) >= 0 {
			return fmt.Errorf("stide model: windows %d and %d out of order or repeated", i/n-1, i/n)
		}
	}
	if err := m.Cal.Validate(); err != nil {
		return fmt.Errorf("stide model: %w", err)
	}
	m.set = make(map[string]struct{}, len(m.Windows)/n)
	buf := make([]byte, 4*n)
	for i := 0; i < len(m.Windows); i += n {
		for j, t := range m.Windows[i : i+n] {
			binary.LittleEndian.PutUint32(buf[4*j:], uint32(t))
		}
		m.set[string(buf)] = struct{}{}
	}
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
		return fmt.Errorf("stide model: %w", err)
	}
	nm := (*Model)(&g)
	if err := nm.Validate(); err != nil {
		return err
	}
	*m = *nm
	return nil
}
