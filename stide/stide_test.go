package stide

import (
	"bytes"
	"encoding/gob"
	"math"
	"slices"
	"testing"

	"detector/seq"
)

const (
	a = seq.First + iota
	b
	c
)

// TestMismatch checks by hand with N = 3. Training "a b c a b" gives the
// windows (BOS BOS a) (BOS a b) (a b c) (b c a) (c a b). The sequence
// "a b a b c" has windows (BOS BOS a) yes, (BOS a b) yes, (a b a) no,
// (b a b) no, (a b c) yes: mismatch rate 2/5.
func TestMismatch(t *testing.T) {
	m, err := FitWindows([][]int32{{a, b, c, a, b}}, 6, Config{N: 3})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 5 {
		t.Errorf("%d windows, want 5", m.Len())
	}
	s := []int32{a, b, a, b, c}
	if got := m.Statistic(s); got != 0.4 {
		t.Errorf("mismatch rate %v, want 0.4", got)
	}
	if got := m.Mismatches(s); !slices.Equal(got, []bool{false, false, true, true, false}) {
		t.Errorf("mismatches %v", got)
	}
	// A sequence shorter than N is scored through its padded windows.
	if got := m.Statistic([]int32{b}); got != 1 {
		t.Errorf("short sequence %v, want 1", got)
	}
	if got := m.Statistic(nil); !math.IsInf(got, 1) {
		t.Errorf("empty sequence %v, want +Inf", got)
	}
	// Out-of-range tokens count as UNK.
	if got := m.Statistic([]int32{a, 99}); got != 0.5 {
		t.Errorf("unknown token: %v, want 0.5", got)
	}
}

func TestGob(t *testing.T) {
	train := [][]int32{{a, b, c, a, b, a}, {c, c, c, b}, {a}}
	m, err := Fit(train, 6, Config{N: 3, Contamination: 0.2, Folds: 3})
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
	for _, s := range append(train, []int32{b, a, c}) {
		if got.Decision(s) != m.Decision(s) {
			t.Fatal("decision changed in the round trip")
		}
	}
	for name, alter := range map[string]func(m *Model){
		"n":          func(m *Model) { m.N = 0 },
		"ragged":     func(m *Model) { m.Windows = m.Windows[1:] },
		"token":      func(m *Model) { m.Windows[0] = 6 },
		"negative":   func(m *Model) { m.Windows[0] = -1 },
		"order":      func(m *Model) { copy(m.Windows, m.Windows[3:6]) },
		"empty":      func(m *Model) { m.Windows = nil },
		"inf offset": func(m *Model) { m.Cal.Offset = math.Inf(-1) },
	} {
		c := *m
		c.Windows = slices.Clone(m.Windows)
		alter(&c)
		var bad Model
		if err := gob.NewDecoder(bytes.NewReader(encode(&c))).Decode(&bad); err == nil {
			t.Errorf("%s: crafted model accepted", name)
		}
	}
}
