package model

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"detector/algo"
	"detector/lof"
	"detector/ocsvm"
)

var names = []string{"a", "b", "c"}

// The detectors these tests train; the program registers them in its main
// package.
const (
	LOF   = "lof"
	OCSVM = "ocsvm"
)

func init() { algo.Register(lof.Spec, ocsvm.Spec) }

// fit trains a model of alg with the tests' parameters (LOF k = 10,
// One-Class SVM nu = 0.1) and any others given.
func fit(names []string, rows [][]float64, alg string, p Params, args ...string) (*Model, error) {
	spec, err := algo.Lookup(alg)
	if err != nil {
		return nil, err
	}
	given := map[string]string{"neighbors": "10", "nu": "0.1"}
	for i := 0; i+1 < len(args); i += 2 {
		given[args[i]] = args[i+1]
	}
	a := algo.NewArgs(spec, func(name string) (string, bool) { v, ok := given[name]; return v, ok })
	if err := spec.Check(a); err != nil {
		return nil, err
	}
	return Train(names, rows, nil, spec, a, p)
}

// withDetector changes a model's fitted detector and stores it back, as a
// crafted file would hold it.
func withDetector[D algo.Detector](t *testing.T, m *Model, change func(D)) *Model {
	t.Helper()
	d := m.det.(D)
	change(d)
	state, err := algo.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	m.Detector = state
	return m
}

func data(n int, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = []float64{r.NormFloat64(), 10 + 3*r.NormFloat64(), 7} // c is constant
	}
	return rows
}

func trained(t *testing.T, alg string) *Model {
	t.Helper()
	m, err := fit(names, data(60, 1), alg, Params{
		ToolVersion: "test", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTripGivesIdenticalScores(t *testing.T) {
	for _, alg := range []string{LOF, OCSVM} {
		t.Run(alg, func(t *testing.T) {
			m := trained(t, alg)
			path := filepath.Join(t.TempDir(), "m.gob")
			if err := Save(path, m); err != nil {
				t.Fatal(err)
			}
			back, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if back.Algorithm != alg || back.Samples != 60 || !back.Created.Equal(m.Created) ||
				back.ToolVersion != "test" || strings.Join(back.FeatureNames, ",") != "a,b,c" {
				t.Fatalf("metadata lost: %+v", back)
			}
			test := data(40, 2)
			want, got := m.Score(test, nil), back.Score(test, nil)
			for i := range want {
				if want[i].Score != got[i].Score || want[i].Confidence != got[i].Confidence {
					t.Fatalf("row %d: score %v/%v after round trip, want %v/%v", i, got[i].Score, got[i].Confidence, want[i].Score, want[i].Confidence)
				}
			}
		})
	}
}

func TestScoreResult(t *testing.T) {
	m := trained(t, LOF)
	far := []float64{40, 10, 7} // 40 standard deviations out in a
	r := m.Score([][]float64{far, {0, 10, 7}}, nil)
	if !r[0].Anomalous || r[0].Score >= 0 || r[0].Confidence < 0.99 {
		t.Errorf("far point: %+v", r[0])
	}
	if r[0].Deviations[0].Feature != "a" || r[0].Deviations[0].Z < 30 {
		t.Errorf("far point's top deviation: %+v", r[0].Deviations[0])
	}
	if r[1].Anomalous || r[1].Score <= 0 {
		t.Errorf("central point: %+v", r[1])
	}
	// The constant column is centred, never divided by zero.
	for _, d := range r[0].Deviations {
		if math.IsNaN(d.Z) || math.IsInf(d.Z, 0) {
			t.Errorf("deviation %+v", d)
		}
	}
}

func TestConfidence(t *testing.T) {
	m := &Model{TrainScores: []float64{-0.2, 0.1, 0.3, 0.5}}
	if got := m.Margin(); got != 0.3 {
		t.Fatalf("margin = %v, want 0.3 (median of the positive training scores)", got)
	}
	if c := m.Confidence(0); c != 0 {
		t.Errorf("confidence on the boundary = %v", c)
	}
	want := 1 - math.Exp(-3)
	if c := m.Confidence(0.3); math.Abs(c-want) > 1e-15 {
		t.Errorf("confidence at the margin = %v, want %v", c, want)
	}
	if m.Confidence(-0.3) != m.Confidence(0.3) || m.Confidence(-1) <= m.Confidence(-0.3) {
		t.Error("confidence must grow with the distance from the boundary on both sides")
	}
	if c := m.Confidence(-1e9); c > 1 {
		t.Errorf("confidence %v above 1", c)
	}
}

func TestTrainRejects(t *testing.T) {
	if _, err := fit(names, nil, LOF, Params{}); err == nil {
		t.Error("no rows: no error")
	}
	if _, err := fit(names, [][]float64{{1, 2}, {3, 4}}, LOF, Params{}); err == nil {
		t.Error("short row: no error")
	}
	if _, err := fit(names, data(10, 1), "knn", Params{}); err == nil || !strings.Contains(err.Error(), "unknown algorithm") {
		t.Errorf("unknown algorithm: %v", err)
	}
	if _, err := fit(names, data(10, 1), OCSVM, Params{}, "gamma", "wide"); err == nil {
		t.Error("bad gamma: no error")
	}
}

func encoded(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, trained(t, LOF)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeRejectsDamage(t *testing.T) {
	good := encoded(t)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":          {nil, "empty file"},
		"foreign":        {[]byte("PK\x03\x04 a zip file"), "not a model file"},
		"header only":    {[]byte(magic[:5]), "truncated"},
		"truncated":      {good[:len(good)-100], "checksum mismatch"},
		"flipped bit":    {flipped, "checksum mismatch"},
		"trailing bytes": {append(bytes.Clone(good), 0), "checksum mismatch"},
	}
	for name, c := range cases {
		_, err := Decode(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	if _, err := Decode(bytes.NewReader(good)); err != nil {
		t.Fatalf("good model: %v", err)
	}
}

// resealed encodes m, as changed by tamper, with a valid checksum, as a
// crafted file or a buggy writer would.
func resealed(t *testing.T, m *Model, tamper func(*header, *body)) []byte {
	t.Helper()
	h, b, err := toFile(m)
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(&h, b)
	}
	var buf bytes.Buffer
	if err := encodeWith(&buf, h, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeChecksVersionAndShape(t *testing.T) {
	m := trained(t, LOF)
	_, err := Decode(bytes.NewReader(resealed(t, m, func(h *header, _ *body) { h.Format, h.ToolVersion = FormatVersion+1, "9.9" })))
	if err == nil || !strings.Contains(err.Error(), "model format 3") || !strings.Contains(err.Error(), "newer detector (9.9)") ||
		!strings.Contains(err.Error(), "train the model again") {
		t.Errorf("future format: %v", err)
	}

	m = trained(t, LOF)
	m.Scaler.Scale = m.Scaler.Scale[:2]
	_, err = Decode(bytes.NewReader(resealed(t, m, nil)))
	if err == nil || !strings.Contains(err.Error(), "16 bytes of scaler scales, want 3 values") {
		t.Errorf("short scaler: %v", err)
	}

	m = withDetector(t, trained(t, OCSVM), func(o *ocsvm.Model) { o.SV[0] = o.SV[0][:1] })
	_, err = Decode(bytes.NewReader(resealed(t, m, nil)))
	if err == nil || !strings.Contains(err.Error(), "bytes of support vectors") {
		t.Errorf("ragged support vectors: %v", err)
	}

	m = trained(t, LOF)
	_, err = Decode(bytes.NewReader(resealed(t, m, func(h *header, b *body) {
		b.Detector = trained(t, OCSVM).Detector
		h.State = len(b.Detector)
	})))
	if err == nil || !strings.Contains(err.Error(), "inconsistent model: Local Outlier Factor") {
		t.Errorf("another algorithm's state: %v", err)
	}

	m = trained(t, LOF)
	_, err = Decode(bytes.NewReader(resealed(t, m, func(h *header, _ *body) { h.Algorithm = "knn" })))
	if err == nil || !strings.Contains(err.Error(), `unknown algorithm "knn"`) {
		t.Errorf("unknown algorithm: %v", err)
	}

	m = trained(t, LOF)
	_, err = Decode(bytes.NewReader(resealed(t, m, func(h *header, _ *body) { h.Features = 2 })))
	if err == nil || !strings.Contains(err.Error(), "3 feature names for 2 features") {
		t.Errorf("names for another shape: %v", err)
	}
}

// oldModel has the fields of format 1, which stored the model itself.
type oldModel struct {
	FeatureNames []string
	Algorithm    string
	LOF          *struct {
		K      int
		Points [][]float64
	}
	Samples int
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A crafted file costs memory in proportion to its size, not to what it
// claims to hold. Format 1 stored rows as [][]float64: a million empty
// rows took a few bytes each in the file but 24 in memory, and gob grew
// the slice by doubling.
func TestDecodeMemoryBoundedByFileSize(t *testing.T) {
	var old bytes.Buffer
	if err := encodeWith(&old, header{Format: 1, ToolVersion: "0.1.0"}, oldModel{
		FeatureNames: names, Algorithm: LOF, Samples: 60,
		LOF: &struct {
			K      int
			Points [][]float64
		}{K: 10, Points: make([][]float64, 1_000_000)},
	}); err != nil {
		t.Fatal(err)
	}
	m := trained(t, LOF)
	big := make([]byte, 16<<20)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"format 1 with a million empty rows", old.Bytes(), "older detector (0.1.0)"},
		{"bulk beyond the declared shape", resealed(t, m, func(_ *header, b *body) { b.Detector = big }), "bytes of model data"},
		{"shape beyond the file", resealed(t, m, func(h *header, _ *body) { h.Samples = MaxSamples }), "bytes of model data"},
		{"a million empty points", resealed(t, withDetector(t, trained(t, LOF), func(l *lof.Model) { l.Points = make([][]float64, 1_000_000) }), nil), "bytes of points"},
		{"too many features", resealed(t, m, func(h *header, _ *body) { h.Features = 1 << 40 }), "features, want 1 to"},
	}
	for _, c := range cases {
		var err error
		got := allocated(func() { _, err = Decode(bytes.NewReader(c.data)) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		t.Logf("%s: %d-byte file, %d bytes allocated: %v", c.name, len(c.data), got, err)
		// Reading the file (a growing buffer) and one copy of it.
		if limit := 4*uint64(len(c.data)) + 1<<20; got > limit {
			t.Errorf("%s: decoding a %d-byte file allocated %d bytes, more than %d", c.name, len(c.data), got, limit)
		}
	}

	// A genuine model of 5,000 points: a small multiple of its size.
	r := rand.New(rand.NewPCG(5, 5))
	rows := make([][]float64, 5000)
	for i := range rows {
		rows[i] = []float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
	}
	gm, err := fit(names, rows, LOF, Params{}, "neighbors", "20")
	if err != nil {
		t.Fatal(err)
	}
	var good bytes.Buffer
	if err := Encode(&good, gm); err != nil {
		t.Fatal(err)
	}
	got := allocated(func() { _, err = Decode(bytes.NewReader(good.Bytes())) })
	if err != nil {
		t.Fatal(err)
	}
	if limit := 8*uint64(good.Len()) + 1<<20; got > limit {
		t.Errorf("decoding a genuine %d-byte model allocated %d bytes, more than %d", good.Len(), got, limit)
	}
	t.Logf("genuine model: %d bytes, %d allocated", good.Len(), got)
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.gob")
	if err := Save(path, trained(t, LOF)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	if os.Getuid() != 0 { // root writes anywhere
		if err := Save(filepath.Join(ro, "m.gob"), trained(t, LOF)); err == nil {
			t.Error("save into a read-only folder: no error")
		}
	}
	// A failing rename (the target is a non-empty folder) keeps nothing.
	target := filepath.Join(dir, "taken")
	os.MkdirAll(filepath.Join(target, "x"), 0o755)
	if err := Save(target, trained(t, LOF)); err == nil {
		t.Error("save over a folder: no error")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("model file changed")
	}
}

// Every number of a model is checked, even under a valid checksum: each
// of these crafted models would make samples "normal" or unscorable.
func TestDecodeRejectsImpossibleNumbers(t *testing.T) {
	set := func(p *[]byte, i int, v float64) {
		x, _ := algo.UnpackFloats("", *p, len(*p)/8)
		x[i] = v
		*p = algo.PackFloats(x)
	}
	type L = *lof.Model
	type O = *ocsvm.Model
	cases := []struct {
		name   string
		model  func() *Model
		tamper func(*header, *body)
		want   string
	}{
		{"tiny scale", func() *Model { return trained(t, LOF) }, func(_ *header, b *body) { set(&b.Scale, 0, 1e-310) }, "standard deviation 1e-310"},
		{"huge scale", func() *Model { return trained(t, LOF) }, func(_ *header, b *body) { set(&b.Scale, 1, 1e300) }, "standard deviation 1e+300"},
		{"zero scale", func() *Model { return trained(t, OCSVM) }, func(_ *header, b *body) { set(&b.Scale, 0, 0) }, "standard deviation 0"},
		{"infinite mean", func() *Model { return trained(t, LOF) }, func(_ *header, b *body) { set(&b.Mean, 0, math.Inf(1)) }, "mean +Inf"},
		{"training scores changed", func() *Model { return trained(t, LOF) }, func(_ *header, b *body) { set(&b.TrainScores, 0, 5) }, "not the fitted model's own"},
		{"lof offset", lofWith(t, func(l L) { l.Offset = -1e300 }), nil, "offset -1e+300"},
		{"lof offset off the quantile", lofWith(t, func(l L) { l.Contamination = 0.1 }), nil, "quantile"},
		{"lof contamination", lofWith(t, func(l L) { l.Contamination = math.NaN() }), nil, "contamination NaN"},
		{"lof k", lofWith(t, func(l L) { l.K = 60 }), nil, "k = 60"},
		{"lof negative lrd", lofWith(t, func(l L) { l.LRD[3] = -1 }), nil, "reachability density -1"},
		{"lof k-distance NaN", lofWith(t, func(l L) { l.KDist[3] = math.NaN() }), nil, "k-distance NaN"},
		{"lof positive outlier factor", lofWith(t, func(l L) { l.NOF[3] = 2 }), nil, "not negative"},
		{"lof point far out", lofWith(t, func(l L) { l.Points[0][0] = 1e6 }), nil, "beyond"},
		{"ocsvm negative rho", ocsvmWith(t, func(o O) { o.Rho = -1 }), nil, "rho -1"},
		{"ocsvm huge rho", ocsvmWith(t, func(o O) { o.Rho = 1e300 }), nil, "rho 1e+300"},
		{"ocsvm tiny gamma", ocsvmWith(t, func(o O) { o.Gamma = 1e-310 }), nil, "gamma 1e-310"},
		{"ocsvm huge gamma", ocsvmWith(t, func(o O) { o.Gamma = 1e300 }), nil, "gamma 1e+300"},
		{"ocsvm coefficient", ocsvmWith(t, func(o O) { o.Alpha[0] = 2 }), nil, "coefficient 2"},
		{"ocsvm coefficient NaN", ocsvmWith(t, func(o O) { o.Alpha[0] = math.NaN() }), nil, "coefficient NaN"},
		{"ocsvm nu", ocsvmWith(t, func(o O) { o.Nu = 0 }), nil, "nu 0"},
		{"ocsvm training decision", ocsvmWith(t, func(o O) { o.Train[0] = 1e9 }), nil, "training decision"},
		{"ocsvm support vector far out", ocsvmWith(t, func(o O) { o.SV[0][1] = -1e9 }), nil, "beyond"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(resealed(t, c.model(), c.tamper)))
			if err == nil || !strings.Contains(err.Error(), "inconsistent model") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func lofWith(t *testing.T, change func(*lof.Model)) func() *Model {
	return func() *Model { return withDetector(t, trained(t, LOF), change) }
}

func ocsvmWith(t *testing.T, change func(*ocsvm.Model)) func() *Model {
	return func() *Model { return withDetector(t, trained(t, OCSVM), change) }
}

// Train refuses data whose model Load would refuse, rather than write it.
func TestTrainRefusesUnusableScale(t *testing.T) {
	rows := data(20, 3)
	for i := range rows {
		rows[i][1] = 1e40 * float64(i)
	}
	_, err := fit(names, rows, LOF, Params{}, "neighbors", "5")
	if err == nil || !strings.Contains(err.Error(), "standard deviation") {
		t.Errorf("feature spread 1e41: err = %v", err)
	}
}

// A vector too far out to standardize or score is an error, never a
// verdict: format 1 scored it NaN, which is not below 0, so "normal".
func TestScoreNonFiniteIsError(t *testing.T) {
	for _, alg := range []string{LOF, OCSVM} {
		m := trained(t, alg)
		r := m.Score([][]float64{{1e308, 10, 7}, {-1e308, 1e308, 7}, {0, 10, 7}}, nil)
		for i, res := range r[:2] {
			// The one-class svm's kernel goes to 0 far out: a finite
			// score, anomalous. The local outlier factor's is NaN.
			if res.Err == nil && (alg == LOF || !res.Anomalous || !(res.Score < 0)) {
				t.Errorf("%s row %d: no error, verdict anomalous=%v score %v", alg, i, res.Anomalous, res.Score)
			}
		}
		if r[2].Err != nil || r[2].Anomalous {
			t.Errorf("%s: central row: %+v", alg, r[2])
		}
	}
}

// Rarity is the share of training scores at or below a score.
func TestRarity(t *testing.T) {
	m := &Model{TrainScores: []float64{-0.5, -0.1, 0.2, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0}}
	for _, c := range []struct{ score, want float64 }{
		{-1, 0}, {-0.5, 0.1}, {-0.3, 0.1}, {0.2, 0.4}, {0.25, 0.4}, {1.0, 1}, {5, 1},
	} {
		if got := m.Rarity(c.score); got != c.want {
			t.Errorf("Rarity(%v) = %v, want %v", c.score, got, c.want)
		}
	}
}
