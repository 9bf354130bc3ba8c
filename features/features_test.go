package features

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"detector/trace"
)

func vectorOf(t *testing.T, names ...string) []float64 {
	t.Helper()
	var c Counter
	for _, n := range names {
		c.Add(n)
	}
	v, err := c.Vector()
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != len(Names) {
		t.Fatalf("vector has %d features, want %d", len(v), len(Names))
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

func TestVectorHandComputed(t *testing.T) {
	// read read write mmap read: computed by hand.
	v := vectorOf(t, "read", "read", "write", "mmap", "read")
	h := -(0.6*math.Log2(0.6) + 2*0.2*math.Log2(0.2)) // 1.3709505944546687
	want := map[int]float64{
		TotalCalls:     5,
		UniqueRatio:    3.0 / 5,
		FileRatio:      4.0 / 5,
		ProcessRatio:   0,
		NetworkRatio:   0,
		MemoryRatio:    1.0 / 5,
		SecurityRatio:  0,
		TopCallRatio:   3.0 / 5,
		Entropy:        h,
		TransitionRate: 3.0 / 4, // read>read no; read>write, write>mmap, mmap>read yes
	}
	for i, w := range want {
		if !near(v[i], w) {
			t.Errorf("%s = %v, want %v", Names[i], v[i], w)
		}
	}
	if !near(h, 1.3709505944546687) {
		t.Fatalf("hand entropy %v", h)
	}
}

func TestVectorCategories(t *testing.T) {
	v := vectorOf(t,
		"execve", "clone", "wait4", // process
		"socket", "connect", "sendto", "socketcall", // network
		"setuid", "ptrace", "chmod", // security
		"mmap2", "brk", // memory
		"stat64", "_llseek", // file (i386 spellings)
		"futex", "gettimeofday", // none
	)
	n := 16.0
	for i, w := range map[int]float64{
		ProcessRatio: 3 / n, NetworkRatio: 4 / n, SecurityRatio: 3 / n,
		MemoryRatio: 2 / n, FileRatio: 2 / n, UniqueRatio: 1, TopCallRatio: 1 / n,
		Entropy: 4, TransitionRate: 1,
	} {
		if !near(v[i], w) {
			t.Errorf("%s = %v, want %v", Names[i], v[i], w)
		}
	}
}

func TestVectorDegenerate(t *testing.T) {
	var c Counter
	if _, err := c.Vector(); !errors.Is(err, ErrNoCalls) {
		t.Fatalf("empty trace: err = %v, want ErrNoCalls", err)
	}
	v := vectorOf(t, "getpid")
	if v[TransitionRate] != 0 || v[Entropy] != 0 || v[UniqueRatio] != 1 || v[TopCallRatio] != 1 {
		t.Errorf("single call: %v", v)
	}
	v = vectorOf(t, "getpid", "getpid", "getpid")
	if v[TransitionRate] != 0 || v[Entropy] != 0 || !near(v[UniqueRatio], 1.0/3) {
		t.Errorf("one repeated call: %v", v)
	}
}

func TestVectorDeterministic(t *testing.T) {
	names := []string{"read", "write", "openat", "close", "mmap", "futex", "poll", "brk", "stat"}
	var seq []string
	for i := range 1000 {
		seq = append(seq, names[(i*7+i/3)%len(names)])
	}
	first := vectorOf(t, seq...)
	for range 20 {
		v := vectorOf(t, seq...)
		for i := range v {
			if v[i] != first[i] { // bit-for-bit, despite random map order
				t.Fatalf("%s differs between runs: %v vs %v", Names[i], v[i], first[i])
			}
		}
	}
}

func TestHistogramIsACopy(t *testing.T) {
	var c Counter
	c.Add("read")
	c.Add("read")
	h := c.Histogram()
	h["read"] = 99
	if c.Histogram()["read"] != 2 || c.Total() != 2 {
		t.Fatal("Histogram exposes the counter's own map")
	}
}

func TestNamesMatchIndices(t *testing.T) {
	if len(Names) != Count {
		t.Fatalf("len(Names) = %d, Count = %d", len(Names), Count)
	}
	if Names[TransitionRate] != "transition_rate" || Names[SecurityRatio] != "security_ratio" {
		t.Fatal("index constants out of step with Names")
	}
}

func BenchmarkCounterAdd(b *testing.B) {
	names := []string{"read", "write", "openat", "close", "mmap", "futex", "poll", "brk"}
	var c Counter
	for i := range b.N {
		c.Add(names[i&7])
	}
}

// TestCounterNameBound: a run may have MaxNames distinct names; with one
// more it has no features, and the Counter keeps no more names, however
// many a hostile trace makes up (the memory is measured after a million).
func TestCounterNameBound(t *testing.T) {
	if MaxNames != trace.MaxNames {
		t.Fatalf("features.MaxNames %d, trace.MaxNames %d: the bounds differ", MaxNames, trace.MaxNames)
	}
	var c Counter
	for i := range MaxNames {
		c.Add("n" + strconv.Itoa(i))
	}
	c.Add("n0")
	if _, err := c.Vector(); err != nil {
		t.Fatalf("%d names: %v", MaxNames, err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 1_000_000 {
		c.Add("x" + strconv.Itoa(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 64<<10 {
		t.Errorf("a million more names grew the heap by %d bytes", grown)
	}
	if _, err := c.Vector(); !errors.Is(err, ErrTooManyNames) {
		t.Errorf("err %v, want ErrTooManyNames", err)
	}
	if h := c.Histogram(); len(h) != MaxNames || h["n0"] != 2 {
		t.Errorf("histogram of %d names, n0 %d", len(h), h["n0"])
	}
	if c.Total() != MaxNames+1+1_000_000 {
		t.Errorf("total %d", c.Total())
	}
	runtime.KeepAlive(&c)
}

// A run counted elsewhere gives the vector the same calls fed one by one
// give.
func TestCounterOf(t *testing.T) {
	calls := []string{"execve", "brk", "openat", "read", "read", "close", "getppid", "getppid", "write", "exit_group"}
	var c Counter
	transitions := int64(0)
	for i, n := range calls {
		c.Add(n)
		if i > 0 && calls[i-1] != n {
			transitions++
		}
	}
	want, _ := c.Vector()
	o, err := CounterOf(c.Histogram(), transitions)
	if err != nil {
		t.Fatal(err)
	}
	got, err := o.Vector()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("CounterOf vector %v (%v), want %v", got, err, want)
	}
	if _, err := CounterOf(map[string]int64{"read": 2}, 5); err == nil {
		t.Error("more transitions than pairs accepted")
	}
	if _, err := CounterOf(map[string]int64{"read": -1}, 0); err == nil {
		t.Error("a negative count accepted")
	}
}
