package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"detector/internal/safefile"
)

// Save replaces nothing that is not a regular file, and a regular file
// only when it is a model or with SaveForce; refused paths stay as they
// were.
func TestSaveTargets(t *testing.T) {
	dir := t.TempDir()
	m := trained(t, LOF)
	model := filepath.Join(dir, "model.gob")
	if err := Save(model, m); err != nil {
		t.Fatal(err)
	}
	if err := Save(model, m); err != nil { // a model may be replaced
		t.Fatalf("save over a model: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("model.gob", link); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o755)
	others := map[string]os.FileMode{fifo: os.ModeNamedPipe, link: os.ModeSymlink, folder: os.ModeDir}
	if os.Geteuid() == 0 {
		dev := filepath.Join(dir, "null")
		if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
			others[dev] = os.ModeDevice | os.ModeCharDevice
		} else {
			t.Logf("mknod: %v; device case not checked", err)
		}
	} else {
		t.Log("not root: device case not checked (CI runs as root)")
	}
	for p, typ := range others {
		for _, save := range []func(string, *Model) error{Save, SaveForce} {
			err := save(p, m)
			if !errors.Is(err, safefile.ErrNotRegular) {
				t.Errorf("save over %s = %v, want ErrNotRegular", p, err)
			}
			if err := CheckSaveTarget(p, true); !errors.Is(err, safefile.ErrNotRegular) {
				t.Errorf("CheckSaveTarget(%s, force) = %v, want ErrNotRegular", p, err)
			}
			if fi, err := os.Lstat(p); err != nil || fi.Mode().Type() != typ {
				t.Errorf("%s replaced: %v, %v", p, fi, err)
			}
		}
	}

	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("my notes\n"), 0o644)
	if err := Save(notes, m); !errors.Is(err, ErrNotModel) {
		t.Errorf("save over notes.txt = %v, want ErrNotModel", err)
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Errorf("notes.txt changed: %q", b)
	}
	if err := SaveForce(notes, m); err != nil {
		t.Errorf("SaveForce over notes.txt: %v", err)
	}
	if _, err := Load(notes); err != nil {
		t.Errorf("load the forced model: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// Load refuses a FIFO at once rather than waiting for a writer forever.
func TestLoadFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "model.gob")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(fifo); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, safefile.ErrNotRegular) {
			t.Errorf("Load(fifo) = %v, want ErrNotRegular", err)
		}
	case <-time.After(20 * time.Second): // a hang check, not a timing assertion
		t.Fatal("Load(fifo) still blocked after 20s")
	}
}
