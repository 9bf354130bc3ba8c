package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// adfaZip is the ADFA-LD benchmark beside the repository, as CI has it.
const adfaZip = "../shared/datasets/adfa-ld/ADFA-LD.zip"

// unpackADFA extracts the benchmark's three folders into a temporary one.
func unpackADFA(t *testing.T) string {
	t.Helper()
	zr, err := zip.OpenReader(adfaZip)
	if os.IsNotExist(err) {
		t.Skipf("ADFA-LD not found at %s: the benchmark test needs the shared datasets beside the repository", adfaZip)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.Contains(f.Name, "_Data_Master/") || strings.Contains(f.Name, "..") {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, 1<<24))
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "ADFA-LD")
}

// TestADFALD runs the benchmark's protocol: train on Training_Data_Master,
// evaluate on Validation_Data_Master against Attack_Data_Master.
//
// The golden AUCs are scikit-learn 1.2.1's on this tool's own feature
// table: `detector features` of the training folder and of the validation
// and attack folders, scored by sklearn_scores.py (LocalOutlierFactor
// novelty k=20; OneClassSVM rbf nu=0.05 gamma=scale) from the shared
// reference scripts, and roc_auc_score with attack as the positive class
// and -score as the ranking.
func TestADFALD(t *testing.T) {
	data := unpackADFA(t)
	for _, c := range []struct {
		alg     string
		flags   []string
		sklearn float64
		tol     float64
	}{
		{"lof", []string{"--neighbors", "20"}, 0.7431059582181516, 1e-6},
		{"ocsvm", []string{"--nu", "0.05", "--gamma", "scale"}, 0.6571350956243607, 0.01},
	} {
		t.Run(c.alg, func(t *testing.T) {
			m := filepath.Join(t.TempDir(), "m.gob")
			args := append([]string{"train", "--input", "adfa", "--algorithm", c.alg, "--model", m}, c.flags...)
			if r := run(t, nil, append(args, filepath.Join(data, "Training_Data_Master"))...); r.code != 0 {
				t.Fatalf("train: %s", r.stderr)
			}
			roc := filepath.Join(t.TempDir(), "roc.csv")
			r := run(t, nil, "evaluate", "--input", "adfa", "--output", "json", "--model", m, "--roc", roc,
				"--normal", filepath.Join(data, "Validation_Data_Master"), "--attack", filepath.Join(data, "Attack_Data_Master"))
			if r.code != 0 {
				t.Fatalf("evaluate: %d %s", r.code, r.stderr)
			}
			var got struct {
				AUC      float64            `json:"auc"`
				DR       map[string]float64 `json:"dr_at_fa"`
				Normal   int                `json:"normal"`
				Attack   int                `json:"attack"`
				Families map[string]struct {
					AUC float64 `json:"auc"`
				} `json:"families"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: AUC %.4f, DR at 1/5/10%% FA %.3f/%.3f/%.3f", c.alg, got.AUC, got.DR["0.01"], got.DR["0.05"], got.DR["0.10"])
			if got.Normal != 4372 || got.Attack != 746 {
				t.Errorf("%d normal and %d attack samples, want 4372 and 746", got.Normal, got.Attack)
			}
			if math.Abs(got.AUC-c.sklearn) > c.tol {
				t.Errorf("AUC %v, scikit-learn %v on the same features (tolerance %v)", got.AUC, c.sklearn, c.tol)
			}
			if len(got.Families) != 6 {
				t.Errorf("%d attack families, want 6: %v", len(got.Families), got.Families)
			}
			if b, _ := os.ReadFile(roc); !strings.HasPrefix(string(b), "false_alarm,detection,threshold\n") {
				t.Errorf("ROC file: %.80q", b)
			}
		})
	}
}

// TestEvaluateFixtures evaluates the bundled fixtures: benign as normal,
// suspicious as attack, with a model trained on the benign ones.
func TestEvaluateFixtures(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	if testing.Short() {
		t.Skip("traces every fixture; skipped with -short")
	}
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	m := benignModel(t)
	r := run(t, nil, "evaluate", "--model", m, "--timeout", slowTimeout, "--normal", "fixtures/benign", "--attack", "fixtures/suspicious")
	if r.code != 0 {
		t.Fatalf("evaluate: %d %s", r.code, r.stderr)
	}
	for _, want := range []string{"ROC AUC", "detection at 5.0% false alarms", "family", "reverse_shell_perl"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
}
