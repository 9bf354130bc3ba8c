package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The model's anomaly is a finding: model-anomaly, WARNING for a confident
// one, with the score and the top deviations; severity is the answer in
// the table (no verdict column), JSON and the alert log, and --fail-on
// alone decides the exit status.
func TestOneVerdict(t *testing.T) {
	dir := t.TempDir()
	train, outliers, normal := filepath.Join(dir, "train.csv"), filepath.Join(dir, "outliers.csv"), filepath.Join(dir, "normal.csv")
	writeTable(t, train, 200, 1, 0)
	writeTable(t, outliers, 3, 3, 8)
	writeTable(t, normal, 3, 2, 0)
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--input", "csv", "--model", m, train); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	log := filepath.Join(dir, "alerts.json")
	r := run(t, nil, "detect", "--input", "csv", "--output", "json", "--log", log, "--model", m, outliers)
	if r.code != 1 {
		t.Errorf("confident anomalies: exit %d, want 1 (--fail-on WARNING by default)\n%s", r.code, r.stderr)
	}
	rows := jsonRows(t, r.stdout)
	for _, row := range rows {
		f, _ := row["findings"].([]any)
		if row["verdict"] != "anomalous" || row["severity"] != "WARNING" || len(f) != 1 {
			t.Fatalf("row %v", row)
		}
		x := f[0].(map[string]any)
		if x["rule"] != "model-anomaly" || x["severity"] != "WARNING" || !strings.Contains(x["message"].(string), "top deviations: ") {
			t.Errorf("the model's finding: %v", x)
		}
		if row["score"] == nil || row["confidence"] == nil {
			t.Errorf("score and confidence left JSON: %v", row)
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("%d alert records for %d anomalous samples:\n%s", len(lines), len(rows), b)
	}
	for _, l := range lines {
		var rec struct{ Kind, Rule, Severity, Message string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Kind != "model" || rec.Rule != "model-anomaly" || rec.Severity != "WARNING" || rec.Message == "" {
			t.Errorf("alert record %s: %v", l, err)
		}
	}
	for _, c := range []struct {
		failOn string
		code   int
	}{{"never", 0}, {"ALERT", 0}, {"INFO", 1}} {
		if r := run(t, nil, "detect", "--input", "csv", "--fail-on", c.failOn, "--model", m, outliers); r.code != c.code {
			t.Errorf("--fail-on %s with WARNING anomalies: exit %d, want %d\n%s", c.failOn, r.code, c.code, r.stderr)
		}
	}
	if r := run(t, nil, "detect", "--input", "csv", "--model", m, normal); r.code != 0 {
		t.Errorf("normal samples: exit %d, want 0", r.code)
	}

	r = run(t, []string{"COLUMNS=80"}, "detect", "--input", "csv", "--model", m, outliers, normal)
	if strings.Contains(r.stdout, "VERDICT") || strings.Contains(r.stdout, "normal") || strings.Contains(r.stdout, "anomalous ") {
		t.Errorf("the table shows a verdict beside the severity:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "\nAttention: 3 of 6 samples: ALERT 0, WARNING 3, INFO 0\n") || !strings.Contains(r.stdout, "model-anomaly") {
		t.Errorf("the summary does not open with the samples that need attention:\n%s", r.stdout)
	}
}

// A profile model's row shows the profile's own findings below it in the
// table, not the ten statistics' deviations, and its one alert record
// names them.
func TestProfileFindingsInTableAndLog(t *testing.T) {
	// cat, known from six runs that read /etc/hostname: its read of
	// /etc/shadow is a WARNING deviation.
	dir := t.TempDir()
	cat := `100 1700000000.000100 execve("/usr/bin/cat", ["cat", "/etc/hostname"], 0x7ffd /* 3 vars */) = 0
100 1700000000.000300 openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
100 1700000000.000400 close(3</etc/ld.so.cache>) = 0
100 1700000000.000500 openat(AT_FDCWD</tmp>, "/etc/hostname", O_RDONLY) = 3</etc/hostname>
100 1700000000.000600 read(3</etc/hostname>, "vm\n", 131072) = 3
100 1700000000.000700 close(3</etc/hostname>) = 0
100 1700000000.000800 exit_group(0)            = ?
100 1700000000.000900 +++ exited with 0 +++
`
	args := []string{"train", "--model", filepath.Join(dir, "m.gob"), "--input", "strace"}
	for i := range 6 {
		f := filepath.Join(dir, fmt.Sprintf("cat%d.strace", i))
		if err := os.WriteFile(f, []byte(strings.ReplaceAll(cat, "vm", fmt.Sprint("vm", i))), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
	}
	if r := run(t, nil, args...); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	m := filepath.Join(dir, "m.gob")
	log := filepath.Join(dir, "alerts.json")
	r := run(t, []string{"COLUMNS=200"}, "detect", "--model", m, "--input", "strace", "--log", log, "testdata/behaviour/shadow.strace")
	if r.code == 2 {
		t.Fatalf("detect: %s", r.stderr)
	}
	if !strings.Contains(r.stdout, "\n  WARNING cat read /etc/shadow; cat ran 6 times in training") {
		t.Errorf("the row does not show the profile finding below it:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "σ") {
		t.Errorf("the row shows the ten statistics' deviations:\n%s", r.stdout)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct{ Kind, Rule, Message string }
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Kind == "model" {
			found = found || rec.Rule == "model-anomaly" && strings.Contains(rec.Message, "cat read /etc/shadow")
		}
	}
	if !found {
		t.Errorf("no model record names the profile finding:\n%s", b)
	}
}
