package samples

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"detector/trace"
)

func compressTo(t *testing.T, path string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	switch filepath.Ext(path) {
	case ".gz":
		w := gzip.NewWriter(&b)
		w.Write(data)
		w.Close()
	case ".zst":
		w, _ := zstd.NewWriter(&b)
		w.Write(data)
		w.Close()
	case ".xz":
		w, err := xz.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func countCalls(t *testing.T, src Source) int64 {
	t.Helper()
	st, err := Replay(src, trace.ArchI386, func(*trace.Call) error { return nil })
	if err != nil {
		t.Fatalf("replay %s: %v", src.Name, err)
	}
	return st.Calls
}

// Compressed strace logs and ADFA-LD traces are sniffed and replayed as
// the files they hold.
func TestCompressedInputs(t *testing.T) {
	dir := t.TempDir()
	for _, orig := range []string{"../fixtures/traces/simple.trace", "../fixtures/adfa/UTD-0454.txt"} {
		data, err := os.ReadFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		plain, _, err := Collect([]string{orig}, KindAuto)
		if err != nil || len(plain) != 1 {
			t.Fatalf("collect %s: %v %v", orig, plain, err)
		}
		want := countCalls(t, plain[0])
		for _, ext := range []string{".gz", ".zst", ".xz"} {
			p := filepath.Join(dir, filepath.Base(orig)+ext)
			compressTo(t, p, data)
			srcs, skipped, err := Collect([]string{p}, KindAuto)
			if err != nil || len(srcs) != 1 || len(skipped) != 0 {
				t.Fatalf("collect %s: %v %v %v", p, srcs, skipped, err)
			}
			if srcs[0].Kind != plain[0].Kind {
				t.Errorf("%s sniffed as %v, want %v", p, srcs[0].Kind, plain[0].Kind)
			}
			if got := countCalls(t, srcs[0]); got != want {
				t.Errorf("%s: %d calls, want %d", p, got, want)
			}
		}
	}
}

// A file that expands past the bound is an error, not hours of work; a
// damaged one is an error too.
func TestCompressedBounds(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.trace.gz")
	compressTo(t, bomb, bytes.Repeat([]byte("read(3, \"x\", 1) = 1\n"), 1<<16))
	old := decompressLimit
	decompressLimit = 1 << 16
	defer func() { decompressLimit = old }()
	srcs, _, err := Collect([]string{bomb}, KindAuto)
	if err != nil || len(srcs) != 1 {
		t.Fatalf("collect: %v %v", srcs, err)
	}
	if _, err := Replay(srcs[0], trace.ArchI386, func(*trace.Call) error { return nil }); !errors.Is(err, ErrTooLarge) {
		t.Errorf("replay of a bomb: %v", err)
	}
	bad := filepath.Join(dir, "bad.trace.gz")
	os.WriteFile(bad, []byte("\x1f\x8b not gzip"), 0o644)
	if srcs, skipped, err := Collect([]string{bad}, KindAuto); err != nil || len(srcs) != 0 || len(skipped) != 1 {
		t.Errorf("damaged gzip: %v %v %v", srcs, skipped, err)
	}
}
