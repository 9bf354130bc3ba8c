package features

import (
	"errors"
	"fmt"
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

// MaxNames is the most distinct call names a Counter keeps. A real trace
// has a few dozen and a system-call table fewer than 500; only made-up
// names (hostile input, or a program's output read as calls) come near.
// It equals trace.MaxNames.
const MaxNames = 1024

// ErrTooManyNames is returned by Vector for a run with more than MaxNames
// distinct call names: such a run has no features.
var ErrTooManyNames = fmt.Errorf("trace has more than %d distinct system-call names; no system-call table has that many", MaxNames)

// Counter accumulates the calls of one run. The zero Counter is ready to
// use. It keeps one counter per distinct name, at most MaxNames of them,
// so its memory does not grow with the length of the trace nor with the
// names in it.
type Counter struct {
	counts      map[string]*nameCount
	byCategory  [Security + 1]int64
	total       int64
	transitions int64
	prev        string
	prevCount   *nameCount
	overflow    nameCount // shared by every name past MaxNames
	overflowed  bool
}

type nameCount struct {
	n   int64
	cat Category
}

// Add counts one call named name, which follows the previously added call
// in trace order. A repeat of the previous name costs no map lookup, and a
// name's category is looked up once per Counter. A name past the first
// MaxNames distinct ones is not kept: Vector then fails.
func (c *Counter) Add(name string) {
	e := c.prevCount
	if e == nil || name != c.prev {
		if c.counts == nil {
			c.counts = make(map[string]*nameCount)
		}
		if e = c.counts[name]; e == nil {
			if len(c.counts) < MaxNames {
				e = &nameCount{cat: CategoryOf(name)}
				c.counts[name] = e
			} else {
				e, c.overflowed = &c.overflow, true
			}
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

// Transitions returns how many adjacent pairs of calls had different names.
func (c *Counter) Transitions() int64 { return c.transitions }

// Histogram returns a copy of the per-name call counts, like `strace -c`,
// of at most the first MaxNames distinct names.
func (c *Counter) Histogram() map[string]int64 {
	h := make(map[string]int64, len(c.counts))
	for name, e := range c.counts {
		h[name] = e.n
	}
	return h
}

// Vector computes the ten features, in the order of Names. It fails with
// ErrNoCalls for a run without calls and ErrTooManyNames for one with more
// than MaxNames distinct names.
func (c *Counter) Vector() ([]float64, error) {
	if c.total == 0 {
		return nil, ErrNoCalls
	}
	if c.overflowed {
		return nil, ErrTooManyNames
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

// CounterOf returns a Counter holding a run counted elsewhere (the eBPF
// tracer counts in the kernel): its call-name histogram and its number of
// adjacent pairs of calls with different names. Its Vector is the one a
// Counter fed the same calls would give.
func CounterOf(hist map[string]int64, transitions int64) (*Counter, error) {
	c := &Counter{}
	names := make([]string, 0, len(hist))
	for n, k := range hist {
		if k < 0 {
			return nil, fmt.Errorf("negative count %d for %s", k, n)
		}
		if k > 0 {
			names = append(names, n)
		}
	}
	if len(names) > MaxNames {
		return nil, ErrTooManyNames
	}
	slices.Sort(names)
	c.counts = make(map[string]*nameCount, len(names))
	for _, n := range names {
		k := hist[n]
		c.counts[n] = &nameCount{n: k, cat: CategoryOf(n)}
		c.byCategory[CategoryOf(n)] += k
		c.total += k
	}
	if transitions < 0 || (c.total > 0 && transitions > c.total-1) {
		return nil, fmt.Errorf("%d transitions in %d calls", transitions, c.total)
	}
	c.transitions = transitions
	return c, nil
}
