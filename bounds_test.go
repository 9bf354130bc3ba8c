package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHugeSparseInputs: a 20 GiB sparse feature table, strace log and
// ADFA-LD trace (a valid first line, then zeros) in a samples folder each
// end with one error line and status 2, and the process never holds
// 100 MB. (They end in well under a second here; that is measured, not
// asserted.)
func TestHugeSparseInputs(t *testing.T) {
	for _, c := range []struct{ name, head, want string }{
		{"big.csv", "sample,total_calls\n", "feature table too large: 20480 MiB, more than 256 MiB"},
		{"big.strace", "1234 1700000000.000001 getpid() = 1234\n", "20 GiB, trace too large: more than --max-trace (256 MiB)"},
		{"big.adfa", "3 4 5 6 7\n", "20 GiB, trace too large: more than --max-trace (256 MiB)"},
	} {
		dir := t.TempDir()
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, []byte(c.head), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, 20<<30); err != nil {
			t.Skipf("no sparse 20 GiB file here: %v", err)
		}
		cmd := exec.Command(binary, "features", dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%s: %v, want exit status 2; stderr %s", c.name, err, stderr.String())
		}
		var errs []string
		for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if !strings.HasPrefix(l, "detector: hint: ") {
				errs = append(errs, l)
			}
		}
		if len(errs) != 1 || !strings.HasPrefix(errs[0], "detector: "+p+": ") || !strings.Contains(errs[0], c.want) {
			t.Errorf("%s: stderr %q, want one line with %q", c.name, stderr.String(), c.want)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 >= 100<<20 {
			t.Errorf("%s: the process held %d MiB", c.name, ru.Maxrss>>10)
		}
	}
}

// TestLongCSVLine: a feature table whose line is longer than 1 MiB is
// refused with the line's number, holding little memory.
func TestLongCSVLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "long.csv")
	if err := os.WriteFile(p, append([]byte("sample,a\nx,1\n"), bytes.Repeat([]byte{'9'}, 8<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "features", p)
	wantError(t, r, "line 3: feature table too large: a line longer than 1 MiB")
}

// TestHugeSparseModel: a 20 GiB sparse model file is refused before it is
// read, with one error line and little memory.
func TestHugeSparseModel(t *testing.T) {
	m := filepath.Join(t.TempDir(), "m.gob")
	if err := os.WriteFile(m, []byte("detector model\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(m, 20<<30); err != nil {
		t.Skipf("no sparse 20 GiB file here: %v", err)
	}
	cmd := exec.Command(binary, "inspect", "--model", m)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run()
	r := result{cmd.ProcessState.ExitCode(), "", stderr.String()}
	wantError(t, r, "load model "+m+": larger than 1024 MiB: not a model file")
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 >= 100<<20 {
		t.Errorf("inspect held %d MiB", ru.Maxrss>>10)
	}
}
