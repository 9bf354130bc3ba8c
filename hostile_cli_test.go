package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An allow-list entry naming a parent by a bare name is refused with the
// advice to name its path.
func TestAllowBareParentRefused(t *testing.T) {
	f := filepath.Join(t.TempDir(), "allow.yaml")
	if err := os.WriteFile(f, []byte("allow:\n  - parent: cron\n    rule: read-shadow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "rules", "check", "--allow", f)
	wantError(t, r, f+`:2: parent "cron" is a bare name`)
	if !strings.Contains(r.stderr, "detector: hint: name the executable's path, e.g. /usr/sbin/cron\n") {
		t.Errorf("no hint naming a path: %s", r.stderr)
	}
}

// Sample names that a spreadsheet would evaluate are written as text by
// features --output csv and detect --output csv, and exactly with
// --csv-raw.
func TestCSVFormulaSampleNames(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "t.csv")
	var b strings.Builder
	b.WriteString("sample,a,b\n\"=HYPERLINK(\"\"http://127.0.0.1/\"\",\"\"x\"\")\",1,2\n@SUM(1+1),-3,4\n")
	for i := range 10 {
		b.WriteString("s" + strings.Repeat("x", i) + ",1," + strings.Repeat("1", i+1) + "\n")
	}
	if err := os.WriteFile(table, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "features", table)
	recs := csvRows(t, r.stdout)
	if r.code != 0 || len(recs) < 3 || recs[1][0] != `'=HYPERLINK("http://127.0.0.1/","x")` || recs[2][0] != "'@SUM(1+1)" || recs[2][1] != "-3" {
		t.Errorf("features: exit %d, rows %q", r.code, recs)
	}
	r = run(t, nil, "features", "--csv-raw", table)
	if recs := csvRows(t, r.stdout); r.code != 0 || len(recs) < 3 || recs[1][0] != `=HYPERLINK("http://127.0.0.1/","x")` || recs[2][0] != "@SUM(1+1)" {
		t.Errorf("features --csv-raw: exit %d, rows %q", r.code, recs)
	}
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--input", "csv", "--neighbors", "3", "--model", m, table); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	r = run(t, nil, "detect", "--model", m, "--output", "csv", table)
	if recs := csvRows(t, r.stdout); len(recs) < 3 || recs[1][0] != `'=HYPERLINK("http://127.0.0.1/","x")` || recs[2][0] != "'@SUM(1+1)" {
		t.Errorf("detect: exit %d, rows %q", r.code, recs)
	}
}
