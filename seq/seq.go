// Package seq turns traces into token sequences for the sequence models
// (ngram, callset, stide) and holds what they share: the fitted
// Vocabulary, the Scorer abstraction, the seeded k-fold split and the
// out-of-fold calibration of a decision threshold.
//
// A Vocabulary maps system-call names to int32 tokens. Tokens 0, 1 and 2
// are reserved: UNK (any name not seen when the vocabulary was fitted), BOS
// (begin of sequence) and EOS (end of sequence); the fitted names follow in
// byte order from token 3, so the same training names always give the same
// tokens. Encoded sequences hold the calls only, never BOS or EOS; models
// add those themselves.
//
// Scores follow the project's convention: a model computes a statistic per
// sequence, higher meaning more anomalous, and its decision function is
// Offset - statistic, above 0 normal and below 0 anomalous. The offset is
// the (1-contamination) quantile of out-of-fold statistics of the training
// sequences (see Calibrate), so about a fraction contamination of training
// traces falls below 0 when each is scored by a model that did not see it.
// A statistic that cannot be computed is +Inf (anomalous), never NaN.
package seq

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"unicode/utf8"
)

// Reserved tokens.
const (
	UNK int32 = 0 // a name the vocabulary was not fitted on
	BOS int32 = 1 // begin of sequence (context padding)
	EOS int32 = 2 // end of sequence
	// First is the token of the first fitted name.
	First int32 = 3
)

// Bounds that Validate enforces on a decoded vocabulary.
const (
	MaxNames   = 1 << 16 // fitted names
	MaxNameLen = 256     // bytes per name
)

// Vocabulary maps call names to tokens. The zero value knows no names:
// every name is UNK. It is gob-encodable; a decoded vocabulary is
// validated before use.
type Vocabulary struct {
	// Names are the fitted names in strictly increasing byte order;
	// Names[i] has token First+i.
	Names []string

	index map[string]int32
}

// Fit returns the vocabulary of every name that occurs at least minCount
// times (minCount < 1 counts as 1) in seqs.
func Fit(seqs [][]string, minCount int) *Vocabulary {
	count := make(map[string]int)
	for _, s := range seqs {
		for _, n := range s {
			count[n]++
		}
	}
	v := &Vocabulary{}
	for n, c := range count {
		if c >= minCount {
			v.Names = append(v.Names, n)
		}
	}
	sort.Strings(v.Names)
	v.build()
	return v
}

func (v *Vocabulary) build() {
	v.index = make(map[string]int32, len(v.Names))
	for i, n := range v.Names {
		v.index[n] = First + int32(i)
	}
}

// Size is the number of tokens, reserved ones included.
func (v *Vocabulary) Size() int { return int(First) + len(v.Names) }

// Token returns the token of name, UNK when it was not fitted.
func (v *Vocabulary) Token(name string) int32 {
	if v.index == nil && len(v.Names) > 0 {
		v.build()
	}
	if t, ok := v.index[name]; ok {
		return t
	}
	return UNK
}

// Encode returns the tokens of names (no BOS or EOS).
func (v *Vocabulary) Encode(names []string) []int32 {
	out := make([]int32, len(names))
	for i, n := range names {
		out[i] = v.Token(n)
	}
	return out
}

// EncodeAll encodes every sequence of seqs.
func (v *Vocabulary) EncodeAll(seqs [][]string) [][]int32 {
	out := make([][]int32, len(seqs))
	for i, s := range seqs {
		out[i] = v.Encode(s)
	}
	return out
}

// Name returns the name of token t: the fitted name, or "<unk>", "<s>",
// "</s>" for the reserved tokens, or "<invalid>" out of range.
func (v *Vocabulary) Name(t int32) string {
	switch {
	case t == UNK:
		return "<unk>"
	case t == BOS:
		return "<s>"
	case t == EOS:
		return "</s>"
	case t >= First && int(t-First) < len(v.Names):
		return v.Names[t-First]
	}
	return "<invalid>"
}

// Validate checks a decoded vocabulary: at most MaxNames names, each
// non-empty valid UTF-8 of at most MaxNameLen bytes, in strictly
// increasing order.
func (v *Vocabulary) Validate() error {
	if len(v.Names) > MaxNames {
		return fmt.Errorf("vocabulary: %d names, at most %d", len(v.Names), MaxNames)
	}
	for i, n := range v.Names {
		if n == "" || len(n) > MaxNameLen || !utf8.ValidString(n) {
			return fmt.Errorf("vocabulary: name %d is empty, longer than %d bytes or not UTF-8", i, MaxNameLen)
		}
		if i > 0 && v.Names[i-1] >= n {
			return fmt.Errorf("vocabulary: names %d and %d out of order or repeated", i-1, i)
		}
	}
	return nil
}

// GobDecode decodes and validates a vocabulary.
func (v *Vocabulary) GobDecode(b []byte) error {
	var w struct{ Names []string }
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&w); err != nil {
		return fmt.Errorf("vocabulary: %w", err)
	}
	nv := Vocabulary{Names: w.Names}
	if err := nv.Validate(); err != nil {
		return err
	}
	nv.build()
	*v = nv
	return nil
}

// GobEncode encodes the fitted names.
func (v *Vocabulary) GobEncode() ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(struct{ Names []string }{v.Names})
	return buf.Bytes(), err
}

// Scorer is a fitted sequence model: Statistic returns its anomaly
// statistic of an encoded sequence, higher meaning more anomalous, +Inf
// when it cannot be computed.
type Scorer interface {
	Statistic(s []int32) float64
}

// Fitter fits a model on encoded training sequences.
type Fitter func(train [][]int32) (Scorer, error)

// Folds assigns each of n sequences to one of k folds: a seeded shuffle of
// 0..n-1 (Fisher-Yates driven by splitmix64 seeded with seed) dealt round-robin, so
// fold sizes differ by at most one. k is clamped to [1, n].
func Folds(n, k int, seed uint64) []int {
	if k > n {
		k = n
	}
	if k < 1 {
		k = 1
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	r := newSplitmix(seed)
	for i := n - 1; i > 0; i-- {
		j := int(r.below(uint64(i + 1)))
		perm[i], perm[j] = perm[j], perm[i]
	}
	fold := make([]int, n)
	for pos, i := range perm {
		fold[i] = pos % k
	}
	return fold
}

// OutOfFold returns, for every training sequence, the statistic of the
// model fitted on the other folds of Folds(len(train), k, seed). It needs
// k >= 2 and at least two sequences. Folds are fitted and scored
// concurrently (up to GOMAXPROCS at once), so fit must be safe for
// concurrent use; the result does not depend on the concurrency.
func OutOfFold(fit Fitter, train [][]int32, k int, seed uint64) ([]float64, error) {
	if k < 2 || len(train) < 2 {
		return nil, fmt.Errorf("out-of-fold scores: need at least 2 folds and 2 sequences, have %d and %d", k, len(train))
	}
	fold := Folds(len(train), k, seed)
	if k > len(train) {
		k = len(train)
	}
	out := make([]float64, len(train))
	errs := make([]error, k)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for f := 0; f < k; f++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var in [][]int32
			for i, s := range train {
				if fold[i] != f {
					in = append(in, s)
				}
			}
			m, err := fit(in)
			if err != nil {
				errs[f] = fmt.Errorf("out-of-fold scores: fold %d: %w", f, err)
				return
			}
			for i, s := range train {
				if fold[i] == f {
					out[i] = m.Statistic(s)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Calibration is what a model keeps from its out-of-fold training
// statistics: the decision offset and the statistics' mean and spread
// (used by ensembles to z-normalize).
type Calibration struct {
	Contamination float64 // fraction of training sequences meant to fall below 0
	Folds         int
	Seed          uint64
	Offset        float64 // Decision(stat) = Offset - stat
	Mean, Std     float64 // of the finite out-of-fold statistics; Std 1 when they do not spread
}

// Decision returns Offset - stat: above 0 normal, below 0 anomalous, -Inf
// for a statistic that could not be computed (+Inf or NaN).
func (c Calibration) Decision(stat float64) float64 {
	if math.IsNaN(stat) {
		return math.Inf(-1)
	}
	return c.Offset - stat
}

// Z returns (stat - Mean) / Std, +Inf for NaN.
func (c Calibration) Z(stat float64) float64 {
	if math.IsNaN(stat) {
		return math.Inf(1)
	}
	return (stat - c.Mean) / c.Std
}

// ErrContamination reports a contamination outside (0, 0.5].
var ErrContamination = errors.New("contamination not in (0, 0.5]")

// Calibrate returns the calibration of out-of-fold statistics oof:
// Offset is their 100*(1-contamination)-th percentile (numpy's default
// linear interpolation; +Inf statistics count as the largest values, and
// an infinite percentile becomes the largest finite statistic), Mean and Std
// (population) those of the finite statistics, Std 1 when it is 0 or there
// are fewer than two finite values.
func Calibrate(oof []float64, contamination float64, folds int, seed uint64) (Calibration, error) {
	if !(contamination > 0 && contamination <= 0.5) {
		return Calibration{}, fmt.Errorf("calibrate: %w: %v", ErrContamination, contamination)
	}
	if len(oof) == 0 {
		return Calibration{}, errors.New("calibrate: no training statistics")
	}
	c := Calibration{Contamination: contamination, Folds: folds, Seed: seed, Std: 1}
	s := make([]float64, 0, len(oof))
	var fin []float64
	for _, x := range oof {
		if math.IsNaN(x) {
			x = math.Inf(1)
		}
		s = append(s, x)
		if !math.IsInf(x, 0) {
			fin = append(fin, x)
		}
	}
	sort.Float64s(s)
	c.Offset = Percentile(s, 100*(1-contamination))
	if math.IsInf(c.Offset, 0) || math.IsNaN(c.Offset) {
		if len(fin) == 0 {
			return Calibration{}, errors.New("calibrate: no finite training statistic")
		}
		c.Offset = fin[0]
		for _, x := range fin {
			c.Offset = math.Max(c.Offset, x)
		}
	}
	if len(fin) > 0 {
		var sum float64
		for _, x := range fin {
			sum += x
		}
		c.Mean = sum / float64(len(fin))
		var ss float64
		for _, x := range fin {
			ss += (x - c.Mean) * (x - c.Mean)
		}
		if sd := math.Sqrt(ss / float64(len(fin))); len(fin) > 1 && sd > 0 && !math.IsInf(sd, 0) {
			c.Std = sd
		}
	}
	return c, nil
}

// Validate checks a decoded calibration: finite offset and mean, finite
// positive spread, contamination in (0, 0.5].
func (c Calibration) Validate() error {
	if !(c.Contamination > 0 && c.Contamination <= 0.5) {
		return fmt.Errorf("calibration: %w: %v", ErrContamination, c.Contamination)
	}
	if !finite(c.Offset) || !finite(c.Mean) || !finite(c.Std) || c.Std <= 0 {
		return fmt.Errorf("calibration: offset %v, mean %v, std %v not finite (std > 0)", c.Offset, c.Mean, c.Std)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Percentile is numpy.percentile(sorted, q) with the default linear
// method, for sorted ascending values.
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	vi := float64(n-1) * (q / 100)
	lo := int(math.Floor(vi))
	if lo < 0 {
		lo = 0
	}
	if lo > n-1 {
		lo = n - 1
	}
	hi := lo + 1
	if hi > n-1 {
		hi = n - 1
	}
	g := vi - math.Floor(vi)
	a, b := sorted[lo], sorted[hi]
	if a == b {
		return a
	}
	return a + g*(b-a)
}

// splitmix is the splitmix64 generator: fixed here rather than taken from
// math/rand so that fold splits never change with the Go version.
type splitmix struct{ s uint64 }

func newSplitmix(seed uint64) *splitmix { return &splitmix{s: seed} }

func (p *splitmix) next() uint64 {
	p.s += 0x9e3779b97f4a7c15
	z := p.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform value in [0, n), n > 0, by rejection.
func (p *splitmix) below(n uint64) uint64 {
	lim := -n % n // 2^64 mod n
	for {
		if x := p.next(); x >= lim {
			return x % n
		}
	}
}
