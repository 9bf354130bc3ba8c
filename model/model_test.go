package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// fit trains a model of alg with the tests' parameters.
func fit(names []string, rows [][]float64, alg string, p Params) (*Model, error) {
	spec, err := algo.Lookup(alg)
	if err != nil {
		return nil, err
	}
	args := algo.NewArgs(spec, func(name string) (string, bool) {
		v, ok := map[string]string{"neighbors": "10", "nu": "0.1"}[name]
		return v, ok
	})
	if err := spec.Check(args); err != nil {
		return nil, err
	}
	return Train(names, rows, spec, args, p)
}

// tamper changes a model's decoded detector and stores it back.
func tamper[D algo.Detector](t *testing.T, m *Model, change func(D)) {
	t.Helper()
	d := m.det.(D)
	change(d)
	state, err := algo.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	m.Detector = state
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
			want, got := m.Score(test), back.Score(test)
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
	r := m.Score([][]float64{far, {0, 10, 7}})
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

// resealed re-encodes a tampered model with a valid checksum, as a
// different format version or a buggy writer would.
func resealed(t *testing.T, h header, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encodeWith(&b, h, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeChecksVersionAndShape(t *testing.T) {
	m := trained(t, LOF)
	_, err := Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion + 1, ToolVersion: "9.9"}, m)))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("model format %d", FormatVersion+1)) || !strings.Contains(err.Error(), "train the model again") {
		t.Errorf("future format: %v", err)
	}

	m = trained(t, LOF)
	m.Scaler.Scale = m.Scaler.Scale[:2]
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), "scaler has 3 means and 2 scales") {
		t.Errorf("short scaler: %v", err)
	}

	m = trained(t, OCSVM)
	tamper(t, m, func(o *ocsvm.Model) { o.SV[0] = o.SV[0][:1] })
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), "support vector 0 has 1 features, want 3") {
		t.Errorf("ragged support vector: %v", err)
	}

	m = trained(t, LOF)
	m.Detector = trained(t, OCSVM).Detector
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), "decode Local Outlier Factor") {
		t.Errorf("another algorithm's state: %v", err)
	}

	m = trained(t, LOF)
	m.Algorithm = "knn"
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), `unknown algorithm "knn"`) {
		t.Errorf("unknown algorithm: %v", err)
	}
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
