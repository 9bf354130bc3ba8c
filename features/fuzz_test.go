package features

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadCSV: ReadCSV never panics, never holds a line longer than
// MaxCSVLineBytes, and what it accepts is a well-formed table. Seeded with
// the feature table `detector features` writes for the fixture traces
// (testdata/fixtures.csv) and cuts of it.
func FuzzReadCSV(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.csv"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed tables in testdata (%v)", err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if i := bytes.IndexByte(b, '\n'); i > 0 {
			f.Add(b[:i+1])
			f.Add(b[:len(b)/2])
		}
	}
	f.Add([]byte("sample,a\n\"x\ny\",1\n"))
	f.Add([]byte("sample,a,a\nx,1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadCSV(bytes.NewReader(data))
		if err != nil {
			if tab != nil {
				t.Fatalf("a table beside the error %v", err)
			}
			return
		}
		if len(tab.Rows) == 0 || len(tab.Rows) != len(tab.Samples) {
			t.Fatalf("%d rows, %d names", len(tab.Rows), len(tab.Samples))
		}
		for _, r := range tab.Rows {
			if len(r) != len(tab.Names) {
				t.Fatalf("row of %d values for %d features", len(r), len(tab.Names))
			}
		}
	})
}

// TestReadCSVBounds: a table past MaxCSVBytes or with a line past
// MaxCSVLineBytes is an error wrapping ErrCSVTooLarge, whatever the
// reader (the size check of the command line needs a file).
func TestReadCSVBounds(t *testing.T) {
	long := append([]byte("sample,a\nx,1\n"), bytes.Repeat([]byte{'1'}, MaxCSVLineBytes+1)...)
	if _, err := ReadCSV(bytes.NewReader(long)); !errors.Is(err, ErrCSVTooLarge) || err.Error() != "line 3: feature table too large: a line longer than 1 MiB" {
		t.Errorf("long line: %v", err)
	}
	// Rows of 1 KiB (a long zero-padded number), so the size bound
	// comes before the row bound, in few rows.
	row := append(append([]byte("x,"), bytes.Repeat([]byte{'0'}, 1021)...), '1', '\n')
	defer func(old int64) { maxCSVBytes = old }(maxCSVBytes)
	maxCSVBytes = 4 << 20
	huge := io.MultiReader(strings.NewReader("sample,a\n"), io.LimitReader(&repeatReader{line: row}, maxCSVBytes+1))
	if _, err := ReadCSV(huge); !errors.Is(err, ErrCSVTooLarge) || err.Error() != "feature table too large: more than 4 MiB" {
		t.Errorf("huge table: %v", err)
	}
}

// repeatReader yields line again and again.
type repeatReader struct {
	line []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.line[r.off:])
		n += c
		r.off = (r.off + c) % len(r.line)
	}
	return n, nil
}
