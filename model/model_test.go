package model

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var names = []string{"a", "b", "c"}

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
	m, err := Train(names, data(60, 1), Params{
		Algorithm: alg, Neighbors: 10, Nu: 0.1, Gamma: "scale",
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
	base := Params{Algorithm: LOF, Neighbors: 3, Gamma: "scale", Nu: 0.1}
	if _, err := Train(names, nil, base); err == nil {
		t.Error("no rows: no error")
	}
	if _, err := Train(names, [][]float64{{1, 2}}, base); err == nil {
		t.Error("short row: no error")
	}
	bad := base
	bad.Algorithm = "knn"
	if _, err := Train(names, data(10, 1), bad); err == nil || !strings.Contains(err.Error(), "unknown algorithm") {
		t.Errorf("unknown algorithm: %v", err)
	}
	bad = base
	bad.Algorithm, bad.Gamma = OCSVM, "wide"
	if _, err := Train(names, data(10, 1), bad); err == nil {
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
	if err == nil || !strings.Contains(err.Error(), "model format 2") || !strings.Contains(err.Error(), "train the model again") {
		t.Errorf("future format: %v", err)
	}

	m = trained(t, LOF)
	m.Scaler.Scale = m.Scaler.Scale[:2]
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), "scaler has 3 means and 2 scales") {
		t.Errorf("short scaler: %v", err)
	}

	m = trained(t, OCSVM)
	m.OCSVM.SV[0] = m.OCSVM.SV[0][:1]
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), "support vectors: row 1 has 3 columns, want 1") {
		t.Errorf("ragged support vector: %v", err)
	}

	m = trained(t, LOF)
	m.OCSVM = trained(t, OCSVM).OCSVM
	_, err = Decode(bytes.NewReader(resealed(t, header{Format: FormatVersion}, m)))
	if err == nil || !strings.Contains(err.Error(), "without exactly") {
		t.Errorf("two algorithms: %v", err)
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
