package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnyCommandLineIsASample: command lines naming files the sandbox
// shows as they are (/proc/meminfo, /etc/shadow) run and are judged; a
// line whose program does not exist is named and skipped, and the model is
// trained on the rest (status 2, as the README says).
func TestAnyCommandLineIsASample(t *testing.T) {
	needStrace(t)
	dir := t.TempDir()
	cmds := filepath.Join(dir, "cmds.txt")
	lines := "cat /proc/meminfo\ncat /proc/cpuinfo\ncat /proc/version\ncat /etc/passwd\nls /usr\nsort /etc/passwd\nno-such-program-here --flag\n"
	if err := os.WriteFile(cmds, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "m.gob")
	r := run(t, nil, "train", "--model", m, "--commands", cmds)
	if r.code != 2 || !strings.Contains(r.stderr, "detector: warning: skip training sample: no-such-program-here --flag: ") ||
		!strings.Contains(r.stderr, "1 of 7 training samples unusable and skipped") || !strings.Contains(r.stderr, "trained profile on 6 samples") {
		t.Fatalf("train: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, l := range strings.Split(r.stderr, "\n") {
		if (strings.Contains(l, "skip") && strings.Contains(l, "/proc/")) || strings.Contains(l, "sandbox") || strings.Contains(l, "place ") {
			t.Errorf("train names a line that ran: %s", l)
		}
	}
	if _, err := os.Stat(m); err != nil {
		t.Fatalf("no model from the usable lines: %v", err)
	}

	r = run(t, nil, "detect", "--model", m, "--output", "json", "--", "cat", "/etc/shadow")
	var row struct {
		Sample   string
		Verdict  string
		Findings []struct{ Rule string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &row); err != nil {
		t.Fatalf("detect: exit %d, %v in %q; stderr %s", r.code, err, r.stdout, r.stderr)
	}
	found := false
	for _, f := range row.Findings {
		found = found || f.Rule == "read-shadow"
	}
	if r.code != 1 || row.Verdict == "error" || !found {
		t.Errorf("detect -- cat /etc/shadow: exit %d, %+v; stderr %s", r.code, row, r.stderr)
	}
}
