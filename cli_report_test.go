package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// csvModel trains a LOF model on a CSV table of 200 gaussian rows and
// returns its path and a folder for more files.
func csvModel(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	writeTable(t, train, 200, 1, 0)
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--input", "csv", "--model", m, train); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	return m, dir
}

func sha256File(t *testing.T, path string) (string, int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), int64(len(b))
}

// train prints its diagnostics and keeps them for inspect: a tiny set
// and a set with duplicate feature rows each warn.
func TestTrainDiagnostics(t *testing.T) {
	dir := t.TempDir()
	dup := filepath.Join(dir, "dup.csv")
	writeTable(t, dup, 30, 3, 0)
	b, _ := os.ReadFile(dup)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// Two new rows repeat the features of s1 under new names.
	lines = append(lines, "copy1"+lines[2][strings.IndexByte(lines[2], ','):], "copy2"+lines[2][strings.IndexByte(lines[2], ','):])
	if err := os.WriteFile(dup, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "dup.gob")
	r := run(t, nil, "train", "--input", "csv", "--model", m, dup)
	if r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	wantDup := "detector: warning: 2 training samples duplicate an earlier sample's features: copy1 = s1, copy2 = s1"
	if !strings.Contains(r.stderr, wantDup) || !strings.Contains(r.stderr, "of 32 training samples score as anomalous against their own model") {
		t.Errorf("train stderr lacks the diagnostics:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "only") {
		t.Errorf("32 samples called few:\n%s", r.stderr)
	}
	in := run(t, nil, "inspect", "--model", m)
	if !strings.Contains(in.stdout, "self-check") || !strings.Contains(in.stdout, strings.TrimPrefix(wantDup, "detector: warning: ")) {
		t.Errorf("inspect lacks the diagnostics:\n%s", in.stdout)
	}

	tiny := filepath.Join(dir, "tiny.csv")
	writeTable(t, tiny, 5, 4, 0)
	r = run(t, nil, "train", "--input", "csv", "--neighbors", "2", "--model", filepath.Join(dir, "tiny.gob"), tiny)
	if r.code != 0 || !strings.Contains(r.stderr, "detector: warning: only 5 training samples: with fewer than 10") {
		t.Errorf("tiny set: %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "duplicate") {
		t.Errorf("tiny set without duplicates warns of them:\n%s", r.stderr)
	}
}

// The default table fits 80 columns whatever the names; --wide keeps one
// box row per sample with the names whole.
func TestDetectTableWidth(t *testing.T) {
	m, dir := csvModel(t)
	long := strings.Repeat("very-long-sample-name-", 6)
	table := filepath.Join(dir, "t.csv")
	writeTable(t, table, 3, 5, 0)
	b, _ := os.ReadFile(table)
	if err := os.WriteFile(table, []byte(strings.Replace(string(b), "\ns1,", "\n"+long+",", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "detect", "--input", "csv", "--model", m, table)
	for _, l := range strings.Split(r.stdout, "\n") {
		if runewidth.StringWidth(l) > 80 {
			t.Errorf("line wider than 80 columns: %s", l)
		}
	}
	if strings.Contains(r.stdout, long) || !strings.Contains(r.stdout, "…") {
		t.Errorf("the long name is not shortened:\n%s", r.stdout)
	}
	r = run(t, nil, "detect", "--input", "csv", "--wide", "--model", m, table)
	if !strings.Contains(r.stdout, "│ "+long+" │") || !strings.Contains(r.stdout, "TOP DEVIATIONS") {
		t.Errorf("--wide lacks the whole name:\n%s", r.stdout)
	}
}

// evaluate --roc FILE.svg draws one curve per --model, in a well-formed
// SVG; .csv keeps the table; the output replaces only a regular file.
func TestEvaluatePictures(t *testing.T) {
	lofModel, dir := csvModel(t)
	ocsvmModel := filepath.Join(dir, "o.gob")
	if r := run(t, nil, "train", "--input", "csv", "--algorithm", "ocsvm", "--model", ocsvmModel, filepath.Join(dir, "train.csv")); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	normal, attack := filepath.Join(dir, "normal.csv"), filepath.Join(dir, "attack.csv")
	writeTable(t, normal, 60, 8, 0)
	writeTable(t, attack, 20, 9, 1.5)
	ev := func(roc string, models ...string) result {
		args := []string{"evaluate", "--input", "csv", "--output", "json", "--roc", roc, "--normal", normal, "--attack", attack}
		for _, m := range models {
			args = append(args, "--model", m)
		}
		return run(t, nil, args...)
	}
	svg := filepath.Join(dir, "roc.svg")
	r := ev(svg, lofModel, ocsvmModel)
	if r.code != 0 {
		t.Fatalf("evaluate: %d %s", r.code, r.stderr)
	}
	// One JSON object per model, each naming its model.
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var aucs []float64
	for _, want := range []string{lofModel, ocsvmModel} {
		var got struct {
			AUC   float64           `json:"auc"`
			Model map[string]string `json:"model"`
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v:\n%s", err, r.stdout)
		}
		if sum, _ := sha256File(t, want); got.Model["path"] != want || got.Model["sha256"] != sum {
			t.Errorf("model %v, want %s", got.Model, want)
		}
		aucs = append(aucs, got.AUC)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if !xmlWellFormed(t, b) || strings.Count(string(b), "<path") < 4 {
		t.Errorf("SVG lacks its curves:\n%.400s", b)
	}
	for _, want := range []string{"Local Outlier Factor m.gob: AUC ", "One-Class SVM o.gob: AUC ", "operating points at 1%/5%/10% false alarms"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}

	csvOut := filepath.Join(dir, "roc.csv")
	if r := ev(csvOut, lofModel); r.code != 0 {
		t.Fatalf("evaluate: %s", r.stderr)
	}
	if b, _ := os.ReadFile(csvOut); !strings.HasPrefix(string(b), "false_alarm,detection,threshold\n") {
		t.Errorf("CSV ROC: %.80q", b)
	}
	if r := ev(csvOut, lofModel, ocsvmModel); r.code != 0 {
		t.Fatalf("evaluate: %s", r.stderr)
	} else if b, _ := os.ReadFile(csvOut); !strings.HasPrefix(string(b), "model,false_alarm,detection,threshold\n"+lofModel+",") ||
		!strings.Contains(string(b), "\n"+ocsvmModel+",") {
		t.Errorf("CSV ROC of two models: %.200q", b)
	}

	// Never through a symlink or into a folder.
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link.svg")
	os.Symlink(target, link)
	for _, bad := range []string{link, dir} {
		wantError(t, ev(bad, lofModel), "--roc")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the symlink's target was written: %q", b)
	}

	// inspect --plot draws the training scores with the threshold.
	plot := filepath.Join(dir, "scores.svg")
	if r := run(t, nil, "inspect", "--model", lofModel, "--plot", plot); r.code != 0 {
		t.Fatalf("inspect: %s", r.stderr)
	}
	b, _ = os.ReadFile(plot)
	if !xmlWellFormed(t, b) || !strings.Contains(string(b), "threshold 0") || !strings.Contains(string(b), "training samples (200, ") {
		t.Errorf("score plot:\n%.400s", b)
	}
	wantError(t, run(t, nil, "inspect", "--model", lofModel, "--plot", link), "--plot")
	if aucs[0] < 0.9 {
		t.Errorf("LOF AUC %v on well separated attacks", aucs[0])
	}
}

func xmlWellFormed(t *testing.T, b []byte) bool {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return root == "svg"
		}
		if err != nil {
			t.Errorf("not well-formed XML: %v", err)
			return false
		}
		if s, ok := tok.(xml.StartElement); ok && root == "" {
			root = s.Name.Local
		}
	}
}
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rows = append(rows, row)
	}
	return rows
}
