package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --key sha256: a profile identity is the executable's path and digest.
// Trained on traces of a program, a model keyed so judges the same traces
// normal, and a WARNING once the file at that path is replaced; it does
// not merge with a model keyed by path, and monitor refuses it.
func TestKeyedBySHA256(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho one\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var traces []string
	for i := range 6 {
		f := filepath.Join(dir, fmt.Sprintf("t%d.strace", i))
		text := fmt.Sprintf(`100 1700000000.000100 execve(%q, ["tool"], 0x7ffd /* 3 vars */) = 0
100 1700000000.000300 openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
100 1700000000.000400 close(3</etc/ld.so.cache>) = 0
100 1700000000.000500 getpid() = %d
100 1700000000.000800 exit_group(0)            = ?
100 1700000000.000900 +++ exited with 0 +++
`, exe, 100+i)
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		traces = append(traces, f)
	}
	keyed, plain := filepath.Join(dir, "keyed.gob"), filepath.Join(dir, "plain.gob")
	if r := run(t, nil, append([]string{"train", "--key", "sha256", "--model", keyed, "--input", "strace"}, traces...)...); r.code != 0 {
		t.Fatalf("train --key sha256: %s", r.stderr)
	}
	if r := run(t, nil, append([]string{"train", "--model", plain, "--input", "strace"}, traces...)...); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	if r := run(t, nil, "inspect", "--model", keyed); !strings.Contains(r.stdout, "key") || !strings.Contains(r.stdout, "sha256") {
		t.Errorf("inspect does not say the model is keyed by sha256:\n%s", r.stdout)
	}
	rows, r := detectJSON(t, "--model", keyed, "--input", "strace", traces[0])
	if r.code != 0 || len(rows) != 1 || rows[0].Severity != "NONE" {
		t.Fatalf("the unchanged program: exit %d, %+v\n%s", r.code, rows, r.stderr)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho replaced\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rows, r = detectJSON(t, "--model", keyed, "--input", "strace", traces[0])
	saw := false
	for _, f := range rows[0].Findings {
		saw = saw || f.Rule == "profile-new-digest" && f.Severity == "WARNING" && strings.Contains(f.Message, "tool ran 6 times in training, always another executable")
	}
	if r.code != 1 || rows[0].Severity != "WARNING" || !saw {
		t.Errorf("the replaced program: exit %d, %+v", r.code, rows[0])
	}
	// Keyed by path, the replaced program is the one it knows.
	if rows, _ := detectJSON(t, "--model", plain, "--input", "strace", traces[0]); rows[0].Severity != "NONE" {
		t.Errorf("the model keyed by path: %+v", rows[0])
	}
	wantError(t, run(t, nil, "model", "merge", keyed, plain, "-o", filepath.Join(dir, "m.gob")), "keyed differently")
	wantError(t, run(t, nil, "monitor", "--source", "strace", "--model", keyed, "--", "/bin/true"), "sha256")
}
