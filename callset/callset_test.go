package callset

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"detector/seq"
)

const (
	a = seq.First + iota
	b
	c
	d
)

func cfg(k int) Config { return Config{K: k, Contamination: 0.1, Folds: 2} }

// TestCosine checks distances by hand. Training sets {a,b}, {a,b} (the same
// set twice), {c}. Query {a,b,c}: to {a,b} 1 - 2/sqrt(3*2) = 1 - 0.8165 =
// 0.18350, to {c} 1 - 1/sqrt(3) = 0.42265.
func TestCosine(t *testing.T) {
	m, err := FitSets([][]int32{{a, b, a}, {b, a}, {c, c}}, 7, cfg(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Mult) != 2 {
		t.Fatalf("%d distinct sets, want 2", len(m.Mult))
	}
	q := []int32{c, a, b, b}
	d1, d2 := 1-2/math.Sqrt(6), 1-1/math.Sqrt(3)
	for k, want := range map[int]float64{1: d1, 2: d1, 3: (2*d1 + d2) / 3, 10: (2*d1 + d2) / 3} {
		m.K = k
		if got := m.Statistic(q); math.Abs(got-want) > 1e-15 {
			t.Errorf("k=%d: %v, want %v", k, got, want)
		}
	}
	m.K = 1
	if got := m.Statistic([]int32{b, a}); got != 0 {
		t.Errorf("a training set: %v, want 0", got)
	}
	if got := m.Statistic([]int32{d}); got != 1 {
		t.Errorf("a disjoint set: %v, want 1", got)
	}
	if got := m.Statistic(nil); !math.IsInf(got, 1) {
		t.Errorf("empty: %v, want +Inf", got)
	}
	if got := m.Unseen([]int32{a, d, seq.UNK, 99}); !slices.Equal(got, []int32{seq.UNK, d}) {
		t.Errorf("unseen %v, want [UNK d]", got)
	}
}

// TestNearestBruteForce compares Nearest with sorting every distance.
func TestNearestBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const v = 90
	randSeq := func() []int32 {
		s := make([]int32, 1+r.IntN(12))
		for i := range s {
			s[i] = seq.First + int32(r.IntN(12)) // few tokens: many ties and repeats
			if r.IntN(20) == 0 {
				s[i] = int32(64 + r.IntN(v-64))
			}
		}
		return s
	}
	train := make([][]int32, 300)
	for i := range train {
		train[i] = randSeq()
	}
	for _, k := range []int{1, 2, 3, 7, 50} {
		m, err := FitSets(train, v, cfg(k))
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			q := randSeq()
			var all []Neighbor
			for i := range m.Mult {
				one := &Model{K: 1, V: v, Words: m.Words, Bits: m.Bits[i*m.Words : (i+1)*m.Words], Mult: []uint32{1}}
				one.index()
				all = append(all, Neighbor{i, one.Statistic(q), int(m.Mult[i])})
			}
			sort.SliceStable(all, func(i, j int) bool { return all[i].Distance < all[j].Distance })
			var want []Neighbor
			for n := 0; n < k && len(all) > 0; all = all[1:] {
				want = append(want, all[0])
				n += all[0].Mult
			}
			if got := m.Nearest(q); !slices.Equal(got, want) {
				t.Fatalf("k=%d: nearest %v, want %v", k, got, want)
			}
		}
	}
}

func TestGob(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	train := make([][]int32, 40)
	for i := range train {
		for range 1 + r.IntN(30) {
			train[i] = append(train[i], int32(r.IntN(70)))
		}
	}
	m, err := Fit(train, 70, cfg(3))
	if err != nil {
		t.Fatal(err)
	}
	encode := func(m *Model) []byte {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(m); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var got Model
	if err := gob.NewDecoder(bytes.NewReader(encode(m))).Decode(&got); err != nil {
		t.Fatal(err)
	}
	for _, s := range train {
		if got.Decision(s) != m.Decision(s) {
			t.Fatal("decision changed in the round trip")
		}
	}
	for name, alter := range map[string]func(m *Model){
		"k":          func(m *Model) { m.K = 0 },
		"words":      func(m *Model) { m.Words++ },
		"short bits": func(m *Model) { m.Bits = m.Bits[1:] },
		"beyond v":   func(m *Model) { m.Bits[1] |= 1 << 63 },
		"order": func(m *Model) {
			m.Bits[0], m.Bits[2] = m.Bits[2], m.Bits[0]
			m.Bits[1], m.Bits[3] = m.Bits[3], m.Bits[1]
		},
		"multiplicity":  func(m *Model) { m.Mult[0] = 0 },
		"nan offset":    func(m *Model) { m.Cal.Offset = math.NaN() },
		"vocabulary":    func(m *Model) { m.V = 2 },
		"contamination": func(m *Model) { m.Cal.Contamination = 0 },
	} {
		c := *m
		c.Bits, c.Mult = slices.Clone(m.Bits), slices.Clone(m.Mult)
		alter(&c)
		var bad Model
		if err := gob.NewDecoder(bytes.NewReader(encode(&c))).Decode(&bad); err == nil {
			t.Errorf("%s: crafted model accepted", name)
		}
	}
}
