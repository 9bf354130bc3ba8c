package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"detector/rules"
)

// Rule and allow-list files are bounded: a 20 GiB sparse file, a line
// longer than MaxLineBytes and a FIFO are each refused at once.
func TestRuleFileBounds(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, []byte("rules:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 20<<30); err != nil {
		t.Skipf("no sparse file here: %v", err)
	}
	long := filepath.Join(dir, "long.yaml")
	os.WriteFile(long, []byte("allow:\n  - comment: "+strings.Repeat("x", rules.MaxLineBytes+1)+"\n"), 0o644)
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, want string }{
		{huge, "larger than 4 MiB"},
		{long, "line 2 is longer than 64 KiB"},
		{fifo, "not a regular file"},
	} {
		done := make(chan error, 2)
		go func() {
			_, err := rules.LoadFiles([]string{c.file})
			done <- err
			_, err = rules.LoadAllowFiles([]string{c.file}, nil)
			done <- err
		}()
		for range 2 {
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %v, want %q", filepath.Base(c.file), err, c.want)
				}
			case <-time.After(time.Minute):
				t.Fatalf("%s: the load hangs", filepath.Base(c.file))
			}
		}
	}
}
