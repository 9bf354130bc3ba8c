package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A Cache reads regular files alone (a FIFO without a writer or a
// device would block or never end), and computes a file's digest again
// once it changed.
func TestCacheHostile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	var d Cache
	for _, p := range []string{fifo, "/dev/zero", dir, filepath.Join(dir, "missing"), "relative"} {
		if got := d.SHA256(p); got != "" {
			t.Errorf("digest of %s: %q, want none", p, got)
		}
		if got := File(p); got != "" {
			t.Errorf("File(%s): %q, want none", p, got)
		}
	}
	exe := filepath.Join(dir, "tool")
	for _, content := range []string{"#!/bin/sh\necho one\n", "#!/bin/sh\necho two, longer\n"} {
		if err := os.WriteFile(exe, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		if got := d.SHA256(exe); got != hex.EncodeToString(sum[:]) {
			t.Errorf("digest %q, want that of %q", got, content)
		}
		if got := File(exe); got != hex.EncodeToString(sum[:]) {
			t.Errorf("File: %q, want that of %q", got, content)
		}
	}
}
