package seq

import (
	"bytes"
	"encoding/gob"
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestVocabulary(t *testing.T) {
	v := Fit([][]string{{"read", "open", "read"}, {"close", "read"}, {"mmap"}}, 1)
	if want := []string{"close", "mmap", "open", "read"}; !reflect.DeepEqual(v.Names, want) {
		t.Fatalf("names %v, want %v", v.Names, want)
	}
	if v.Size() != 7 {
		t.Errorf("size %d, want 7", v.Size())
	}
	got := v.Encode([]string{"read", "execve", "close"})
	if want := []int32{First + 3, UNK, First}; !slices.Equal(got, want) {
		t.Errorf("encode %v, want %v", got, want)
	}
	for tok, name := range map[int32]string{UNK: "<unk>", BOS: "<s>", EOS: "</s>", First + 1: "mmap", 99: "<invalid>"} {
		if got := v.Name(tok); got != name {
			t.Errorf("name of %d: %q, want %q", tok, got, name)
		}
	}
	// minCount drops rare names.
	if v2 := Fit([][]string{{"read", "open", "read"}}, 2); !reflect.DeepEqual(v2.Names, []string{"read"}) {
		t.Errorf("min count 2: %v", v2.Names)
	}
	// The zero value maps everything to UNK.
	var z Vocabulary
	if z.Token("read") != UNK || z.Size() != 3 {
		t.Error("zero vocabulary")
	}
}

func TestVocabularyGob(t *testing.T) {
	v := Fit([][]string{{"read", "open"}, {"syscall_0x1b6"}}, 1)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	var got Vocabulary
	if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Names, v.Names) || got.Token("open") != v.Token("open") {
		t.Errorf("round trip: %v", got.Names)
	}
	for name, names := range map[string][]string{
		"unsorted": {"read", "open"},
		"repeated": {"open", "open"},
		"empty":    {""},
		"long":     {string(make([]byte, MaxNameLen+1))},
		"utf8":     {"\xff"},
	} {
		buf.Reset()
		if err := gob.NewEncoder(&buf).Encode(&Vocabulary{Names: names}); err != nil {
			t.Fatal(err)
		}
		var bad Vocabulary
		if err := gob.NewDecoder(&buf).Decode(&bad); err == nil {
			t.Errorf("%s: crafted vocabulary accepted", name)
		}
	}
}

// TestFoldsFixed records the split of seed 1 so that a change of the
// generator (which would change every out-of-fold figure) is noticed.
func TestFoldsFixed(t *testing.T) {
	got := Folds(10, 3, 1)
	want := []int{0, 0, 1, 2, 0, 0, 1, 2, 2, 1}
	if !slices.Equal(got, want) {
		t.Errorf("Folds(10, 3, 1) = %v, want %v", got, want)
	}
	size := map[int]int{}
	for _, f := range Folds(1000, 7, 42) {
		size[f]++
	}
	for f := 0; f < 7; f++ {
		if size[f] != 142 && size[f] != 143 {
			t.Errorf("fold %d has %d of 1000", f, size[f])
		}
	}
	// k above n is clamped to n: one sequence per fold.
	if got := slices.Sorted(slices.Values(Folds(3, 5, 0))); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("Folds(3, 5, 0) sorted = %v, want [0 1 2]", got)
	}
}

// sumScorer's statistic of a sequence is its length plus the number of
// tokens it was fitted on: each out-of-fold statistic reveals exactly which
// sequences the fold's model saw.
type sumScorer int

func (s sumScorer) Statistic(x []int32) float64 { return float64(len(x) + int(s)) }

func fitSum(train [][]int32) (Scorer, error) {
	n := 0
	for _, s := range train {
		n += len(s)
	}
	return sumScorer(n), nil
}

// TestOutOfFold checks on a fixed split that each sequence is scored by the
// model fitted on the other folds only.
func TestOutOfFold(t *testing.T) {
	train := [][]int32{make([]int32, 1), make([]int32, 2), make([]int32, 4), make([]int32, 8), make([]int32, 16), make([]int32, 32)}
	fold := Folds(6, 3, 7)
	got, err := OutOfFold(fitSum, train, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	for i := range train {
		want := len(train[i])
		for j := range train {
			if fold[j] != fold[i] {
				want += len(train[j])
			}
		}
		if got[i] != float64(want) {
			t.Errorf("sequence %d (fold %d): %v, want %v", i, fold[i], got[i], want)
		}
	}
	if _, err := OutOfFold(fitSum, train, 1, 0); err == nil {
		t.Error("one fold accepted")
	}
}

func TestCalibrate(t *testing.T) {
	// Ten statistics 1..10: the 90th percentile (numpy linear) is 9.1, mean
	// 5.5, population std sqrt(8.25).
	oof := []float64{3, 1, 2, 4, 5, 6, 7, 8, 9, 10}
	c, err := Calibrate(oof, 0.1, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.Offset-9.1) > 1e-12 || c.Mean != 5.5 || math.Abs(c.Std-math.Sqrt(8.25)) > 1e-12 {
		t.Errorf("calibration %+v", c)
	}
	if d := c.Decision(9.1); math.Abs(d) > 1e-12 {
		t.Errorf("decision at the offset %v", d)
	}
	if d := c.Decision(math.NaN()); !math.IsInf(d, -1) {
		t.Errorf("decision of NaN %v, want -Inf", d)
	}
	if d := c.Decision(math.Inf(1)); !math.IsInf(d, -1) {
		t.Errorf("decision of +Inf %v, want -Inf", d)
	}
	// Infinite statistics count as the largest; an infinite percentile
	// becomes the largest finite one.
	c, err = Calibrate([]float64{1, 2, math.Inf(1), math.Inf(1)}, 0.5, 2, 0)
	if err != nil || c.Offset != 2 || c.Mean != 1.5 {
		t.Errorf("with +Inf: %+v %v", c, err)
	}
	// No spread: Std 1.
	if c, _ := Calibrate([]float64{4, 4, 4}, 0.1, 2, 0); c.Std != 1 {
		t.Errorf("constant statistics: std %v", c.Std)
	}
	for _, bad := range []float64{0, 0.6, math.NaN(), -1} {
		if _, err := Calibrate(oof, bad, 5, 0); err == nil {
			t.Errorf("contamination %v accepted", bad)
		}
	}
	if _, err := Calibrate([]float64{math.Inf(1)}, 0.1, 2, 0); err == nil {
		t.Error("no finite statistic accepted")
	}
}
