package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"detector/model"
)

var sequenceAlgorithms = []string{"ngram", "callset", "stide", "ensemble"}

// Every sequence detector trains on recorded traces (strace logs and
// ADFA-LD traces), round-trips through its model file, and judges samples
// in every output format; feature tables, which hold no sequences, are
// refused with a clear error.
func TestSequenceDetectorsCLI(t *testing.T) {
	train := []string{"fixtures/traces/simple.trace", "fixtures/traces/pipeline.trace", "fixtures/traces/stderr.trace", "fixtures/traces/ff", "testdata/behaviour/quiet.strace", "fixtures/adfa"}
	for _, alg := range sequenceAlgorithms {
		t.Run(alg, func(t *testing.T) {
			m := filepath.Join(t.TempDir(), "m.gob")
			r := run(t, nil, append([]string{"train", "--algorithm", alg, "--folds", "2", "--model", m}, train...)...)
			if r.code != 0 {
				t.Fatalf("train: %d %s", r.code, r.stderr)
			}
			if r := run(t, nil, "inspect", "--model", m); r.code != 0 || !strings.Contains(r.stdout, "vocabulary") {
				t.Errorf("inspect: %d %s %s", r.code, r.stdout, r.stderr)
			}
			r = run(t, nil, "detect", "--model", m, "--output", "json", "testdata/behaviour/shadow.strace", "fixtures/adfa")
			if r.code == 2 {
				t.Fatalf("detect: %s", r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 3 {
				t.Fatalf("%d rows: %s", len(lines), r.stdout)
			}
			for _, l := range lines {
				var row struct {
					Verdict string
					Score   *float64
				}
				if err := json.Unmarshal([]byte(l), &row); err != nil || row.Score == nil || math.IsNaN(*row.Score) || row.Verdict == "error" {
					t.Errorf("row %s: %v", l, err)
				}
			}
			// Same model, same samples, same scores after a reload.
			// (Apart from the runs' timestamps.)
			stamp := regexp.MustCompile(`"timestamp":"[^"]*"`)
			again := run(t, nil, "detect", "--model", m, "--output", "json", "testdata/behaviour/shadow.strace", "fixtures/adfa")
			if a, b := stamp.ReplaceAllString(r.stdout, ""), stamp.ReplaceAllString(again.stdout, ""); a != b {
				t.Errorf("two detect runs differ:\n%s\n%s", a, b)
			}
			csvModel := filepath.Join(t.TempDir(), "csv.gob")
			wantError(t, run(t, nil, "train", "--algorithm", alg, "--model", csvModel, "--input", "csv", "lof/testdata/tiny_train.csv"), "call sequences")
		})
	}
}

// A crafted sequence model (valid checksum, training decisions that do not
// match the training set) is refused on load.
func TestSequenceModelTampered(t *testing.T) {
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--algorithm", "ngram", "--folds", "2", "--model", m, "fixtures/traces/simple.trace", "fixtures/traces/pipeline.trace", "fixtures/adfa"); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	mod, err := model.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	mod.Samples++ // the detector's training decisions no longer match
	mod.TrainScores = append(mod.TrainScores, 1)
	if err := model.SaveForce(m, mod); err != nil {
		t.Fatal(err)
	}
	wantError(t, run(t, nil, "inspect", "--model", m), "training decisions")
}

// TestADFALDSequences reproduces, through the command line, the figures the
// sequence packages record for the full ADFA-LD protocol
// (ensemble/testdata/adfa_golden.json: fit on Training_Data_Master, score
// Validation_Data_Master against Attack_Data_Master).
func TestADFALDSequences(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	if testing.Short() {
		t.Skip("evaluates ADFA-LD four times; skipped with -short")
	}
	data := unpackADFA(t)
	raw, err := os.ReadFile("ensemble/testdata/adfa_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string]struct{ AUC, DR1, DR5, DR10 float64 }
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for alg, key := range map[string]string{
		"ngram":    "ngram kneser-ney N=10 frac>3 (default)",
		"callset":  "callset k=1 (default)",
		"stide":    "stide n=8 (default)",
		"ensemble": "ensemble kneser-ney N=6 frac>3 + callset k=1 (default)",
	} {
		want, ok := golden[key]
		if !ok {
			t.Fatalf("no golden figures for %q", key)
		}
		m := filepath.Join(t.TempDir(), alg+".gob")
		if r := run(t, nil, "train", "--algorithm", alg, "--input", "adfa", "--model", m, filepath.Join(data, "Training_Data_Master")); r.code != 0 {
			t.Fatalf("%s: train: %s", alg, r.stderr)
		}
		r := run(t, nil, "evaluate", "--input", "adfa", "--output", "json", "--model", m,
			"--normal", filepath.Join(data, "Validation_Data_Master"), "--attack", filepath.Join(data, "Attack_Data_Master"))
		if r.code != 0 {
			t.Fatalf("%s: evaluate: %s", alg, r.stderr)
		}
		var got struct {
			AUC float64            `json:"auc"`
			DR  map[string]float64 `json:"dr_at_fa"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: AUC %.4f, DR %.3f / %.3f / %.3f", alg, got.AUC, got.DR["0.01"], got.DR["0.05"], got.DR["0.10"])
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"AUC", got.AUC, want.AUC}, {"DR at 1%", got.DR["0.01"], want.DR1}, {"DR at 5%", got.DR["0.05"], want.DR5}, {"DR at 10%", got.DR["0.10"], want.DR10}} {
			if math.Abs(c.got-c.want) > 1e-9 {
				t.Errorf("%s: %s %v, golden %v", alg, c.name, c.got, c.want)
			}
		}
	}
}

// An anomalous verdict of a sequence model names its worst process and
// window: a "sequence-window" finding with the window's calls as evidence.
func TestSequenceWindowEvidence(t *testing.T) {
	// A training set of one behaviour (copies of one quiet run), so that
	// the calibrated threshold is tight.
	dir := t.TempDir()
	quiet, err := os.ReadFile("testdata/behaviour/quiet.strace")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("q%d.strace", i)), quiet, 0o644)
	}
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--algorithm", "ngram", "--folds", "2", "--model", m, dir); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	// ADFA-LD's i386 call names are all unknown to a model of x86-64 logs.
	rows, r := detectJSON(t, "--model", m, "fixtures/adfa/UTD-0454.txt")
	if len(rows) != 1 || rows[0].Verdict != "anomalous" {
		t.Fatalf("rows %+v: %s", rows, r.stderr)
	}
	// The model's anomaly first, then its worst window.
	var f = rows[0].Findings
	if len(f) != 2 || f[0].Rule != "model-anomaly" || f[1].Rule != "sequence-window" || f[1].Severity != "INFO" || len(f[1].Evidence) == 0 ||
		!strings.Contains(f[1].Message, "most surprising consecutive calls") {
		t.Fatalf("findings %+v", f)
	}
}
