package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"detector/features"
)

// TestCLIMatchesScikitLearn runs the whole CLI path -- CSV in, scaler,
// model file, CSV out as JSON Lines -- on the detectors' golden data sets
// and compares the scores with scikit-learn's decision_function on the
// held-out rows. The golden files and how they were made are described in
// lof/golden_test.go and ocsvm/golden_test.go (scikit-learn 1.2.1 through
// the reference script sklearn_scores.py).
func TestCLIMatchesScikitLearn(t *testing.T) {
	cases := []struct {
		alg, set string
		flags    []string
	}{
		{"lof", "clustered", []string{"--neighbors", "20"}},
		{"lof", "heavytail", []string{"--neighbors", "10"}},
		{"lof", "duplicates", []string{"--neighbors", "20"}},
		{"lof", "constcol", []string{"--neighbors", "15"}},
		{"lof", "tiny", []string{"--neighbors", "5"}},
		{"ocsvm", "clustered", []string{"--nu", "0.05", "--gamma", "scale"}},
		{"ocsvm", "heavytail", []string{"--nu", "0.1", "--gamma", "scale"}},
		{"ocsvm", "duplicates", []string{"--nu", "0.05", "--gamma", "0.5"}},
		{"ocsvm", "constcol", []string{"--nu", "0.2", "--gamma", "auto"}},
		{"ocsvm", "tiny", []string{"--nu", "0.5", "--gamma", "scale"}},
	}
	var agreeing, total int
	for _, c := range cases {
		t.Run(c.alg+"/"+c.set, func(t *testing.T) {
			dir := filepath.Join(c.alg, "testdata")
			m := filepath.Join(t.TempDir(), "m.gob")
			args := append([]string{"train", "--input", "csv", "--algorithm", c.alg, "--model", m}, c.flags...)
			if r := run(t, nil, append(args, filepath.Join(dir, c.set+"_train.csv"))...); r.code != 0 {
				t.Fatalf("train: %s", r.stderr)
			}
			r := run(t, nil, "detect", "--input", "csv", "--output", "json", "--model", m, filepath.Join(dir, c.set+"_test.csv"))
			if r.code != 0 && r.code != 1 {
				t.Fatalf("detect: %d %s", r.code, r.stderr)
			}
			want := goldenScores(t, filepath.Join(dir, c.set+"_"+c.alg+"_test.golden.csv"))
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != len(want) {
				t.Fatalf("%d scores, want %d", len(lines), len(want))
			}
			for _, l := range lines {
				var row struct {
					Sample string  `json:"sample"`
					Score  float64 `json:"score"`
				}
				if err := json.Unmarshal([]byte(l), &row); err != nil {
					t.Fatal(err)
				}
				w, ok := want[row.Sample]
				if !ok {
					t.Fatalf("sample %q not in the golden file", row.Sample)
				}
				if c.alg == "lof" {
					if math.Abs(row.Score-w) > 1e-9*math.Max(1, math.Abs(w)) {
						t.Errorf("%s: score %.17g, scikit-learn %.17g", row.Sample, row.Score, w)
					}
					continue
				}
				total++
				if math.Abs(row.Score-w) <= 1e-2 && (row.Score < 0) == (w < 0) {
					agreeing++
				}
			}
		})
	}
	if total > 0 && float64(agreeing) < 0.995*float64(total) {
		t.Errorf("one-class svm: %d of %d scores agree with scikit-learn to 1e-2 with the same sign, want 99.5%%", agreeing, total)
	}
}

func goldenScores(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := features.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for i, name := range tab.Samples {
		out[name] = tab.Rows[i][0]
	}
	return out
}
