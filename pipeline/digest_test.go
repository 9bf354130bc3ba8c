package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The digester reads regular files alone (a FIFO without a writer or a
// device would block or never end), and computes a file's digest again
// once it changed.
func TestDigesterHostile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	var d digester
	for _, p := range []string{fifo, "/dev/zero", dir, filepath.Join(dir, "missing"), "relative"} {
		if got := d.Digest(p); got != "" {
			t.Errorf("digest of %s: %q, want none", p, got)
		}
	}
	exe := filepath.Join(dir, "tool")
	for _, content := range []string{"#!/bin/sh\necho one\n", "#!/bin/sh\necho two, longer\n"} {
		if err := os.WriteFile(exe, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		if got := d.Digest(exe); got != hex.EncodeToString(sum[:]) {
			t.Errorf("digest %q, want that of %q", got, content)
		}
	}
}
