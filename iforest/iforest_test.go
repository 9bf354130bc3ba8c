package iforest

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The c(n) values are scikit-learn 1.2.1's _average_path_length([n]).
func TestAveragePathLength(t *testing.T) {
	for _, c := range []struct {
		n    int
		want float64
	}{
		{-3, 0}, {0, 0}, {1, 0}, {2, 1},
		{3, 1.207392357589623},
		{4, 1.8516559071392846},
		{5, 2.327020052042847},
		{256, 10.244770920119917},
	} {
		if got := AveragePathLength(c.n); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("c(%d) = %.17g, want %.17g", c.n, got, c.want)
		}
	}
}

func TestMaxDepth(t *testing.T) {
	for ms, want := range map[int]int{1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 255: 8, 256: 8, 257: 9, 10000: 14} {
		if got := MaxDepth(ms); got != want {
			t.Errorf("MaxDepth(%d) = %d, want %d", ms, got, want)
		}
	}
}

// On {(0,5), (0,5), (0,5), (10,5)} every tree is the same whatever the
// seed: column 1 is constant, so the root splits column 0 somewhere in
// [0, 10), leaving the three copies of (0,5) in a leaf that cannot be split
// (depth 1 + c(3)) and (10,5) alone (depth 1). The scores and the 25%
// offset are scikit-learn 1.2.1's on the same rows.
func TestHandCheckedTree(t *testing.T) {
	x := [][]float64{{0, 5}, {0, 5}, {0, 5}, {10, 5}}
	for seed := range uint64(5) {
		m, err := Fit(x, Params{Trees: 10, Contamination: 0.25, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(2, len(m.Train)); err != nil {
			t.Fatal(err)
		}
		for tr := range m.Trees() {
			lo, hi := m.TreeStart[tr], m.TreeStart[tr+1]
			if hi-lo != 3 || m.Feature[lo] != 0 || m.Threshold[lo] < 0 || m.Threshold[lo] >= 10 {
				t.Fatalf("seed %d tree %d: %d nodes, root splits feature %d at %v", seed, tr, hi-lo, m.Feature[lo], m.Threshold[lo])
			}
			if got := m.NodeSamples[lo : lo+3]; got[0] != 4 || got[1] != 3 || got[2] != 1 {
				t.Fatalf("seed %d tree %d: node rows %v, want [4 3 1]", seed, tr, got)
			}
		}
		s0, s10 := -0.43765986316299971, -0.68774366777883245
		for _, c := range []struct {
			x    []float64
			want float64
		}{{x[0], s0}, {x[3], s10}, {[]float64{-3, 100}, s0}, {[]float64{11, -1}, s10}} {
			if got := m.ScoreSamples(c.x); math.Abs(got-c.want) > 1e-15 {
				t.Errorf("seed %d: ScoreSamples(%v) = %.17g, want %.17g", seed, c.x, got, c.want)
			}
		}
		if want := -0.50018081431695793; math.Abs(m.Offset-want) > 1e-15 {
			t.Errorf("seed %d: offset %.17g, want %.17g", seed, m.Offset, want)
		}
		if got, want := m.Decision(x[3]), m.ScoreSamples(x[3])-m.Offset; got != want {
			t.Errorf("Decision = %v, want %v", got, want)
		}
		if got := m.TrainingDecision(); got[0] != m.Decision(x[0]) || got[3] != m.Decision(x[3]) {
			t.Errorf("training decisions %v", got)
		}
	}
}

// Rows that are all the same give one leaf per tree holding every row:
// depth 0 + c(n) over c(n), so every score is -2^-1 up to rounding, which
// is scikit-learn 1.2.1's (it sums (0 + 1) + c(n) - 1 over the trees, as
// this package does). A single row has c(1) = 0 over c(1) = 0, which
// scikit-learn also takes as -0.5.
func TestConstantRows(t *testing.T) {
	for n, want := range map[int]float64{1: -0.5, 2: -0.5, 5: -0.49999999999999978, 7: -0.50000000000000089} {
		x := make([][]float64, n)
		for i := range x {
			x[i] = []float64{1, 1}
		}
		m, err := Fit(x, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Feature) != m.Trees() {
			t.Errorf("n=%d: %d nodes in %d trees, want leaves only", n, len(m.Feature), m.Trees())
		}
		for _, q := range [][]float64{{1, 1}, {3, -4}} {
			if got := m.ScoreSamples(q); math.Abs(got-want) > 2e-16 || m.Decision(q) != got+0.5 {
				t.Errorf("n=%d: ScoreSamples(%v) = %.17g, want %.17g; decision %v", n, q, got, want, m.Decision(q))
			}
		}
	}
}

// A feature whose range on a node's rows is at most 1e-7 counts as
// constant (scikit-learn's FEATURE_THRESHOLD) and is never split on.
func TestNearlyConstantFeature(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := make([][]float64, 300)
	for i := range x {
		x[i] = []float64{rng.Float64() * 1e-7, rng.NormFloat64(), 5}
	}
	m, err := Fit(x, Params{Trees: 50, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range m.Feature {
		if f == 0 || f == 2 {
			t.Fatalf("node %d splits feature %d, constant within 1e-7", i, f)
		}
	}
}

// naiveScore is score_samples written out plainly: walk each tree from
// its root, count the depth, add c(rows in the leaf).
func naiveScore(m *Model, x []float64) float64 {
	var sum float64
	for t := range m.Trees() {
		i, depth := m.TreeStart[t], 0
		for m.Feature[i] >= 0 {
			if x[m.Feature[i]] <= m.Threshold[i] {
				i = m.Left[i]
			} else {
				i = m.Right[i]
			}
			depth++
		}
		sum += float64(depth) + AveragePathLength(int(m.NodeSamples[i]))
	}
	return -math.Pow(2, -sum/float64(m.Trees())/AveragePathLength(m.MaxSamples))
}

func normalRows(rng *rand.Rand, n, d int) [][]float64 {
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
		}
	}
	return x
}

func TestScoreMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, q := normalRows(rng, 1000, 4), normalRows(rng, 200, 4)
	q = append(q, []float64{8, 8, 8, 8}, x[0])
	m, err := Fit(x, Params{Trees: 30, MaxSamples: MaxSamples{Count: 100}, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if m.MaxSamples != 100 {
		t.Fatalf("max samples %d", m.MaxSamples)
	}
	all := m.ScoreSamplesAll(q)
	for i, r := range q {
		got, want := m.ScoreSamples(r), naiveScore(m, r)
		if math.Abs(got-want) > 1e-12 || got != all[i] || !(got >= -1 && got < 0) {
			t.Fatalf("row %d: ScoreSamples %v, ScoreSamplesAll %v, plain formula %v", i, got, all[i], want)
		}
	}
	if far, near := m.ScoreSamples(q[200]), m.ScoreSamples([]float64{0, 0, 0, 0}); far >= near {
		t.Errorf("far point scores %v, centre %v", far, near)
	}
	// Unusable rows among good ones score NaN and change no other score.
	mixed := append([][]float64{{1, 2, 3}}, q[:70]...)
	mixed = append(mixed, []float64{0, math.NaN(), 0, 0})
	mixed = append(mixed, q[70:]...)
	got := m.ScoreSamplesAll(mixed)
	if !math.IsNaN(got[0]) || !math.IsNaN(got[71]) || !equalFloats(slices.Concat(got[1:71], got[72:]), all) {
		t.Error("unusable rows changed the scores of the others")
	}
	for _, bad := range [][]float64{{1, 2, 3}, {0, math.NaN(), 0, 0}, {math.Inf(1), 0, 0, 0}, nil} {
		if v := m.Decision(bad); !math.IsNaN(v) {
			t.Errorf("Decision(%v) = %v, want NaN", bad, v)
		}
		if v := m.DecisionAll([][]float64{bad}); !math.IsNaN(v[0]) {
			t.Errorf("DecisionAll(%v) = %v, want NaN", bad, v)
		}
	}
}

// Each tree draws MaxSamples distinct rows; with MaxSamples = n every root
// holds every row.
func TestMaxSamplesResolved(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := normalRows(rng, 300, 3)
	for _, c := range []struct {
		ms   MaxSamples
		want int
	}{
		{MaxSamples{}, 256},
		{MaxSamples{Count: 10}, 10},
		{MaxSamples{Count: 5000}, 300},
		{MaxSamples{Fraction: 0.5}, 150},
		{MaxSamples{Fraction: 1}, 300},
		{MaxSamples{Fraction: 0.999}, 299},
	} {
		m, err := Fit(x, Params{Trees: 3, MaxSamples: c.ms})
		if err != nil {
			t.Fatal(err)
		}
		if m.MaxSamples != c.want || int(m.NodeSamples[0]) != c.want {
			t.Errorf("%v: max samples %d, root rows %d, want %d", c.ms, m.MaxSamples, m.NodeSamples[0], c.want)
		}
		if err := m.Validate(3, len(m.Train)); err != nil {
			t.Errorf("%v: %v", c.ms, err)
		}
	}
	if _, err := Fit(x, Params{Trees: 3, MaxSamples: MaxSamples{Fraction: 0.001}}); err == nil {
		t.Error("a fraction of less than one row was accepted")
	}
}

func TestParse(t *testing.T) {
	for s, want := range map[string]MaxSamples{
		"auto": {}, "1": {Count: 1}, "256": {Count: 256}, "0.5": {Fraction: 0.5},
		"1.0": {Fraction: 1}, "1e-1": {Fraction: 0.1},
	} {
		got, err := ParseMaxSamples(s)
		if err != nil || got != want {
			t.Errorf("ParseMaxSamples(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if back, _ := ParseMaxSamples(got.String()); back != got {
			t.Errorf("%q: String %q reads back as %+v", s, got.String(), back)
		}
	}
	for _, s := range []string{"", "0", "-3", "0.0", "1.5", "NaN", "Inf", "auto ", "x"} {
		if _, err := ParseMaxSamples(s); err == nil {
			t.Errorf("ParseMaxSamples(%q) accepted", s)
		}
	}
	for s, want := range map[string]float64{"auto": 0, "0.5": 0.5, "0.01": 0.01} {
		if got, err := ParseContamination(s); err != nil || got != want {
			t.Errorf("ParseContamination(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0", "0.51", "-0.1", "NaN", "1"} {
		if _, err := ParseContamination(s); err == nil {
			t.Errorf("ParseContamination(%q) accepted", s)
		}
	}
}

func TestFitRejects(t *testing.T) {
	x := [][]float64{{1, 2}, {3, 4}}
	for name, c := range map[string]struct {
		x [][]float64
		p Params
	}{
		"no rows":        {nil, DefaultParams()},
		"ragged":         {[][]float64{{1, 2}, {3}}, DefaultParams()},
		"NaN":            {[][]float64{{1, math.NaN()}}, DefaultParams()},
		"no trees":       {x, Params{}},
		"contamination":  {x, Params{Trees: 1, Contamination: 0.6}},
		"NaN contam.":    {x, Params{Trees: 1, Contamination: math.NaN()}},
		"negative count": {x, Params{Trees: 1, MaxSamples: MaxSamples{Count: -1}}},
		"fraction > 1":   {x, Params{Trees: 1, MaxSamples: MaxSamples{Fraction: 2}}},
	} {
		if _, err := Fit(c.x, c.p); err == nil || !strings.HasPrefix(err.Error(), "fit isolation forest: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// With contamination c, the offset is the c quantile of the training
// scores, so about a fraction c of the training rows has a decision below 0.
func TestContamination(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	x := normalRows(rng, 2000, 5)
	m, err := Fit(x, Params{Trees: 50, Contamination: 0.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	below := 0
	for _, v := range m.TrainingDecision() {
		if v < 0 {
			below++
		}
	}
	if below < 195 || below > 200 {
		t.Errorf("%d of 2000 training rows below 0, want 10%%", below)
	}
	if got := m.DecisionAll(x); !equalFloats(got, m.Train) {
		t.Error("DecisionAll of the training rows differs from Train")
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func encode(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The same rows and seed give the same model bytes whatever Jobs is; a
// different seed gives another model.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	x := normalRows(rng, 3000, 10)
	p := Params{Trees: 64, Seed: 42, Contamination: 0.05}
	var first []byte
	for _, jobs := range []int{1, 4, 3, 0} {
		p.Jobs = jobs
		m, err := Fit(x, p)
		if err != nil {
			t.Fatal(err)
		}
		b := encode(t, m)
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("jobs %d: model bytes differ from jobs 1", jobs)
		}
	}
	p.Seed = 43
	m, err := Fit(x, p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(encode(t, m), first) {
		t.Error("seeds 42 and 43 give the same model")
	}
}

func TestGobRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	x, q := normalRows(rng, 500, 6), normalRows(rng, 50, 6)
	m, err := Fit(x, Params{Trees: 20, Seed: 3, Contamination: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := gob.NewDecoder(bytes.NewReader(encode(t, m))).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(6, len(back.Train)); err != nil {
		t.Fatal(err)
	}
	if !equalFloats(back.DecisionAll(q), m.DecisionAll(q)) || !equalFloats(back.Train, m.Train) {
		t.Error("decoded model scores differently")
	}
	if back.Offset != m.Offset || back.MaxSamples != m.MaxSamples || back.Seed != 3 || back.Trees() != 20 {
		t.Errorf("decoded model: %v", back.Params())
	}
}

// Validate refuses every way a crafted model file could make scoring loop,
// index out of range or give scores outside [-1, 0).
func TestValidateRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	x := normalRows(rng, 200, 3)
	fit := func(c float64) *Model {
		m, err := Fit(x, Params{Trees: 4, MaxSamples: MaxSamples{Count: 16}, Contamination: c, Seed: 8})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(3, len(m.Train)); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// inner returns the first inner node at or after node i.
	inner := func(m *Model, i int) int {
		for m.Feature[i] < 0 {
			i++
		}
		return i
	}
	leaf := func(m *Model, i int) int {
		for m.Feature[i] >= 0 {
			i++
		}
		return i
	}
	cases := map[string]func(m *Model){
		"wrong width":     func(m *Model) { m.Features = 4 },
		"no trees":        func(m *Model) { m.TreeStart = m.TreeStart[:1] },
		"cycle to root":   func(m *Model) { i := inner(m, 1); m.Left[i] = 0 },
		"self loop":       func(m *Model) { i := inner(m, 0); m.Right[i] = int32(i) },
		"child past end":  func(m *Model) { i := inner(m, 0); m.Right[i] = int32(len(m.Feature)) },
		"child next tree": func(m *Model) { m.Right[0] = m.TreeStart[1] },
		"negative child":  func(m *Model) { i := inner(m, 0); m.Left[i] = -5 },
		"shared child":    func(m *Model) { i := inner(m, 0); m.Right[i] = m.Left[i] },
		"two parents": func(m *Model) {
			j := inner(m, 1)
			m.Right[0] = m.Left[j]
		},
		"NaN threshold":    func(m *Model) { i := inner(m, 0); m.Threshold[i] = math.NaN() },
		"Inf threshold":    func(m *Model) { i := inner(m, 0); m.Threshold[i] = math.Inf(-1) },
		"feature range":    func(m *Model) { i := inner(m, 0); m.Feature[i] = 3 },
		"feature negative": func(m *Model) { i := inner(m, 0); m.Feature[i] = -2 },
		"leaf child":       func(m *Model) { i := leaf(m, 0); m.Left[i] = int32(i + 1) },
		"short thresholds": func(m *Model) { m.Threshold = m.Threshold[1:] },
		"short right":      func(m *Model) { m.Right = m.Right[:len(m.Right)-1] },
		"short counts":     func(m *Model) { m.NodeSamples = append(m.NodeSamples, 1) },
		"tree start":       func(m *Model) { m.TreeStart[2] = m.TreeStart[1] },
		"tree start back":  func(m *Model) { m.TreeStart[2] = m.TreeStart[1] - 1 },
		"tree past end": func(m *Model) {
			// Found by FuzzModel: tree 0 ends past the last node.
			m.TreeStart = []int32{0, 1, 0}
			m.Feature, m.Threshold, m.Left, m.Right, m.NodeSamples = nil, nil, nil, nil, nil
		},
		"tree start neg":  func(m *Model) { m.TreeStart[1] = math.MinInt32 },
		"tree start end":  func(m *Model) { m.TreeStart[len(m.TreeStart)-1]-- },
		"root rows":       func(m *Model) { m.NodeSamples[0] = 15 },
		"child rows":      func(m *Model) { i := inner(m, 0); m.NodeSamples[m.Left[i]]++ },
		"zero rows":       func(m *Model) { i := leaf(m, 0); m.NodeSamples[i] = 0 },
		"max samples":     func(m *Model) { m.MaxSamples = 0 },
		"big max samples": func(m *Model) { m.MaxSamples = math.MaxInt32 },
		"too many nodes": func(m *Model) {
			// Four trees grown on 16 rows have more nodes than trees of 2 rows can.
			m.MaxSamples = 2
			m.NodeSamples[0] = 2
		},
		"offset NaN":    func(m *Model) { m.Offset = math.NaN() },
		"offset auto":   func(m *Model) { m.Offset = -0.4 },
		"contamination": func(m *Model) { m.Contamination = 0.7 },
		"train NaN":     func(m *Model) { m.Train[3] = math.NaN() },
		"train range":   func(m *Model) { m.Train[3] = 2 },
		"train short":   func(m *Model) { m.Train = m.Train[:10] },
		"deep unary": func(m *Model) {
			// Replace tree 0 by a chain deeper than the limit of 16 rows
			// (4): each node splits 1 row off to a leaf.
			m.MaxSamples = 16
			var f, l, r, s []int32
			var th []float64
			rows := int32(16)
			for d := int32(0); d < 6; d++ {
				i := int32(len(f))
				f, th, l, r, s = append(f, 0), append(th, 0), append(l, i+1), append(r, i+2), append(s, rows)
				f, th, l, r, s = append(f, -1), append(th, 0), append(l, -1), append(r, -1), append(s, 1)
				rows--
			}
			f, th, l, r, s = append(f, -1), append(th, 0), append(l, -1), append(r, -1), append(s, rows)
			m.TreeStart = []int32{0, int32(len(f))}
			m.Feature, m.Threshold, m.Left, m.Right, m.NodeSamples = f, th, l, r, s
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := 0.0
			if strings.HasPrefix(name, "offset NaN") {
				c = 0.1
			}
			m := fit(c)
			mutate(m)
			if err := m.Validate(3, len(m.Train)); err == nil {
				t.Error("accepted")
			} else {
				t.Log(err)
			}
		})
	}
	// The chain is well formed apart from its depth: within the limit it
	// passes, so the case above fails for its depth alone.
	m := fit(0)
	m.MaxSamples = 128 // depth limit 7
	var f, l, r, s []int32
	var th []float64
	rows := int32(128)
	for range 6 {
		i := int32(len(f))
		f, th, l, r, s = append(f, 0), append(th, 0), append(l, i+1), append(r, i+2), append(s, rows)
		f, th, l, r, s = append(f, -1), append(th, 0), append(l, -1), append(r, -1), append(s, 1)
		rows--
	}
	f, th, l, r, s = append(f, -1), append(th, 0), append(l, -1), append(r, -1), append(s, rows)
	m.TreeStart = []int32{0, int32(len(f))}
	m.Feature, m.Threshold, m.Left, m.Right, m.NodeSamples = f, th, l, r, s
	if err := m.Validate(3, len(m.Train)); err != nil {
		t.Errorf("a chain within the depth limit: %v", err)
	}
}

// orderKey must order every pair of non-NaN floats as > does, with -0 and
// +0 equal: scoring compares keys instead of values.
func TestOrderKey(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022, 1e-300, -1e-300, 0.5, -0.5}
	rng := rand.New(rand.NewPCG(17, 17))
	for range 200 {
		vals = append(vals, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)), math.Float64frombits(rng.Uint64()&^(0x7ff<<52)|uint64(rng.IntN(0x7ff))<<52))
	}
	for _, a := range vals {
		for _, b := range vals {
			if got, want := orderKey(a) > orderKey(b), a > b; got != want {
				t.Fatalf("orderKey(%v) > orderKey(%v) is %v, %v > %v is %v", a, b, got, a, b, want)
			}
		}
	}
}
