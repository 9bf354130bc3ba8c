package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// profileModel trains a profile model on copies of strace logs.
func profileModel(t *testing.T, dir, name string, logs ...string) string {
	t.Helper()
	in := filepath.Join(dir, name+"-logs")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, filepath.Base(l)+string(rune('a'+i))+filepath.Ext(l)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := filepath.Join(dir, name+".gob")
	if r := run(t, nil, "train", "--algorithm", "profile", "--model", m, in); r.code != 0 {
		t.Fatalf("train %s: %d\n%s", name, r.code, r.stderr)
	}
	return m
}

func TestModelMerge(t *testing.T) {
	dir := t.TempDir()
	capture := "observe/testdata/sh-cat-python.strace"
	a := profileModel(t, dir, "a", capture, capture)
	b := profileModel(t, dir, "b", "trace/testdata/f-poll.strace.gz", "trace/testdata/f-pypoll.strace.gz", capture)
	out := filepath.Join(dir, "c.gob")
	if r := run(t, nil, "model", "merge", a, b, "-o", out); r.code != 0 || !strings.Contains(r.stderr, "merged 2 and 3 training samples") {
		t.Fatalf("merge: %d\n%s", r.code, r.stderr)
	}
	r := run(t, nil, "inspect", "--model", out)
	if r.code != 0 || !strings.Contains(r.stdout, "profile") {
		t.Fatalf("inspect merged: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The merged model knows what either taught: the capture judged
	// against it has no profile finding.
	r = run(t, nil, "detect", "--rules", "off", "--output", "json", "--model", out, capture)
	if strings.Contains(r.stdout, "profile-new") || r.code == 2 {
		t.Fatalf("detect with the merged model: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	lof := filepath.Join(dir, "lof.gob")
	if r := run(t, nil, "train", "--algorithm", "lof", "--model", lof, filepath.Join(dir, "b-logs")); r.code != 0 {
		t.Fatalf("train lof: %s", r.stderr)
	}
	wantError(t, run(t, nil, "model", "merge", a, lof, "-o", filepath.Join(dir, "x.gob")), "one is profile, the other lof")
	wantError(t, run(t, nil, "model", "merge", lof, lof, "-o", filepath.Join(dir, "x.gob")), "lof models do not merge")
	if _, err := os.Stat(filepath.Join(dir, "x.gob")); err == nil {
		t.Fatal("a refused merge wrote its output")
	}
	wantError(t, run(t, nil, "model", "merge", a, b), "needs -o FILE")
	wantError(t, run(t, nil, "model", "merge", a, "-o", out), "two model files")
	// Never over a non-regular file, nor over a file that is no model.
	wantError(t, run(t, nil, "model", "merge", a, b, "-o", dir), "not a regular file")
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("keep me\n"), 0o644)
	wantError(t, run(t, nil, "model", "merge", a, b, "-o", notes), "not a detector model")
	if got, _ := os.ReadFile(notes); string(got) != "keep me\n" {
		t.Fatalf("notes.txt replaced: %q", got)
	}
	garbage := filepath.Join(dir, "garbage.gob")
	os.WriteFile(garbage, []byte("detector model\nnot gob at all"), 0o644)
	wantError(t, run(t, nil, "model", "merge", a, garbage, "-o", filepath.Join(dir, "y.gob")), "garbage.gob")
}
