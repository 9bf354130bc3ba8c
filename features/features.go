package features

import (
	"errors"
	"math"
	"slices"
)

// Names are the feature names, in vector order. They are the CSV header
// and the JSON keys of the tool's output.
var Names = []string{
	"total_calls",
	"unique_ratio",
	"file_ratio",
	"process_ratio",
	"network_ratio",
	"memory_ratio",
	"security_ratio",
	"top_call_ratio",
	"entropy",
	"transition_rate",
}

// Indices into a vector, in the order of Names.
const (
	TotalCalls = iota
	UniqueRatio
	FileRatio
	ProcessRatio
	NetworkRatio
	MemoryRatio
	SecurityRatio
	TopCallRatio
	Entropy
	TransitionRate
	Count // the number of features
)

// ErrNoCalls is returned by Vector for a trace without a single call.
var ErrNoCalls = errors.New("trace has no system calls")

// Counter accumulates the calls of one run. The zero Counter is ready to
// use. It keeps one counter per distinct name, so its memory does not
// grow with the length of the trace.
type Counter struct {
	counts      map[string]*nameCount
	byCategory  [Security + 1]int64
	total       int64
	transitions int64
	prev        string
	prevCount   *nameCount
}

type nameCount struct {
	n   int64
	cat Category
}

// Add counts one call named name, which follows the previously added call
// in trace order. A repeat of the previous name costs no map lookup, and a
// name's category is looked up once per Counter.
func (c *Counter) Add(name string) {
	e := c.prevCount
	if e == nil || name != c.prev {
		if c.counts == nil {
			c.counts = make(map[string]*nameCount)
		}
		if e = c.counts[name]; e == nil {
			e = &nameCount{cat: CategoryOf(name)}
			c.counts[name] = e
		}
		if c.total > 0 {
			c.transitions++
		}
		c.prev, c.prevCount = name, e
	}
	e.n++
	c.byCategory[e.cat]++
	c.total++
}

// Total is the number of calls added so far.
func (c *Counter) Total() int64 { return c.total }

// Histogram returns a copy of the per-name call counts, like `strace -c`.
func (c *Counter) Histogram() map[string]int64 {
	h := make(map[string]int64, len(c.counts))
	for name, e := range c.counts {
		h[name] = e.n
	}
	return h
}

// Vector computes the ten features, in the order of Names.
func (c *Counter) Vector() ([]float64, error) {
	if c.total == 0 {
		return nil, ErrNoCalls
	}
	n := float64(c.total)
	v := make([]float64, Count)
	v[TotalCalls] = n
	v[UniqueRatio] = float64(len(c.counts)) / n
	v[FileRatio] = float64(c.byCategory[File]) / n
	v[ProcessRatio] = float64(c.byCategory[Process]) / n
	v[NetworkRatio] = float64(c.byCategory[Network]) / n
	v[MemoryRatio] = float64(c.byCategory[Memory]) / n
	v[SecurityRatio] = float64(c.byCategory[Security]) / n

	// Sum in a fixed order: map order is random, and floating-point
	// addition is not associative, so the same trace must always give the
	// same bits.
	counts := make([]int64, 0, len(c.counts))
	for _, e := range c.counts {
		counts = append(counts, e.n)
	}
	slices.Sort(counts)
	var h float64
	for _, k := range counts {
		p := float64(k) / n
		h -= p * math.Log2(p)
	}
	v[TopCallRatio] = float64(counts[len(counts)-1]) / n
	v[Entropy] = h
	if c.total >= 2 {
		v[TransitionRate] = float64(c.transitions) / (n - 1)
	}
	return v, nil
}
