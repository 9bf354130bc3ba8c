package safefile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// noHang runs f and fails the test if it has not returned after a long
// grace period: a hang check, not a timing assertion.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s still blocked after 20s", what)
	}
}

func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mknodNull makes a private character device with /dev/null's numbers
// (1, 3), so tests never touch the real one.
func mknodNull(t *testing.T, path string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mknod needs root; CI runs as root")
	}
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod: %v (device nodes not allowed here)", err)
	}
	return path
}

func write(t *testing.T, path, s string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	p := write(t, filepath.Join(dir, "a"), "hello")
	link := filepath.Join(dir, "link")
	if err := os.Symlink("a", link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{p, link} {
		f, err := Open(path)
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		if fl := fcntlFlags(t, f); fl&syscall.O_NONBLOCK != 0 || fl&syscall.O_ACCMODE != syscall.O_RDONLY {
			t.Errorf("%s: flags %#x, want read-only and O_NONBLOCK cleared", path, fl)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != "hello" {
			t.Errorf("read %s: %q, %v", path, b, err)
		}
	}
}

func fcntlFlags(t *testing.T, f *os.File) int {
	t.Helper()
	sc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fl int
	sc.Control(func(fd uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if e != 0 {
			t.Fatal(e)
		}
		fl = int(r)
	})
	return fl
}

// A FIFO, given directly or behind a symlink, is refused at once instead
// of blocking the open until a writer appears (os.Open blocks for good).
func TestOpenRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	link := filepath.Join(dir, "link")
	if err := os.Symlink("fifo", link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, link} {
		var err error
		noHang(t, "Open("+path+")", func() {
			var f *os.File
			if f, err = Open(path); f != nil {
				f.Close()
			}
		})
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("Open(%s) = %v, want ErrNotRegular", path, err)
		}
	}
}

func TestOpenRefusesOthers(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open(folder) = %v, want ErrNotRegular", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNotExist", err)
	}
	dev := mknodNull(t, filepath.Join(dir, "null"))
	if _, err := Open(dev); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open(char device) = %v, want ErrNotRegular", err)
	}
}

func TestOpenDir(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	noHang(t, "OpenDir(fifo)", func() { _, err = OpenDir(fifo) })
	if !errors.Is(err, ErrNotDir) {
		t.Errorf("OpenDir(fifo) = %v, want ErrNotDir", err)
	}
	if _, err := OpenDir(write(t, filepath.Join(dir, "f"), "x")); !errors.Is(err, ErrNotDir) {
		t.Errorf("OpenDir(file) = %v, want ErrNotDir", err)
	}
}

func TestCheckReplaceable(t *testing.T) {
	dir := t.TempDir()
	reg := write(t, filepath.Join(dir, "reg"), "x")
	link := filepath.Join(dir, "link")
	if err := os.Symlink("reg", link); err != nil {
		t.Fatal(err)
	}
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	for _, p := range []string{reg, filepath.Join(dir, "new")} {
		if err := CheckReplaceable(p); err != nil {
			t.Errorf("CheckReplaceable(%s) = %v", p, err)
		}
	}
	for _, p := range []string{link, fifo, dir} {
		if err := CheckReplaceable(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("CheckReplaceable(%s) = %v, want ErrNotRegular", p, err)
		}
	}
}

func TestAtomic(t *testing.T) {
	dir := t.TempDir()
	path := write(t, filepath.Join(dir, "out"), "old")
	a, err := CreateAtomic(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteString("new"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("path changed before Commit: %q", b)
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	a.Abort() // no-op after Commit
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("after Commit: %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode())
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("temporary files left: %v", es)
	}

	// Swapped for a FIFO between create and commit: refused, FIFO kept.
	a, err = CreateAtomic(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	mkfifo(t, path)
	if err := a.Commit(); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Commit over a fifo = %v, want ErrNotRegular", err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeNamedPipe {
		t.Errorf("fifo replaced: %v %v", fi, err)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("temporary files left: %v", es)
	}
}

func TestOpenDevice(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	var err error
	noHang(t, "OpenDevice(fifo without reader)", func() { _, err = OpenDevice(fifo) })
	if err == nil {
		t.Error("OpenDevice(fifo without reader) succeeded")
	}
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := OpenDevice(fifo)
	if err != nil {
		t.Fatalf("OpenDevice(fifo with reader): %v", err)
	}
	if _, err := w.WriteString("x"); err != nil {
		t.Error(err)
	}
	w.Close()

	reg := write(t, filepath.Join(dir, "reg"), "keep")
	if _, err := OpenDevice(reg); !errors.Is(err, ErrNotDevice) {
		t.Errorf("OpenDevice(regular) = %v, want ErrNotDevice", err)
	}
	if b, _ := os.ReadFile(reg); string(b) != "keep" {
		t.Errorf("regular file changed: %q", b)
	}
	link := filepath.Join(dir, "link")
	os.Symlink("fifo", link)
	if _, err := OpenDevice(link); err == nil {
		t.Error("OpenDevice followed a symlink")
	}
	if _, err := OpenDevice(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenDevice(missing) = %v, want ErrNotExist", err)
	}

	dev := mknodNull(t, filepath.Join(dir, "null"))
	w, err = OpenDevice(dev)
	if err != nil {
		t.Fatalf("OpenDevice(char device): %v", err)
	}
	if _, err := w.WriteString("x"); err != nil {
		t.Error(err)
	}
	w.Close()
	if fi, _ := os.Lstat(dev); fi.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice {
		t.Errorf("device became %v", fi.Mode())
	}
}
