package features

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Table is a feature table read from CSV: one named sample per row.
type Table struct {
	Names   []string // feature names, from the header
	Samples []string // row names, from the `sample` column
	Rows    [][]float64
}

// Bounds on a feature table: rows (samples), feature columns and the
// length of a feature name (a model keeps to the same bounds), the size of
// the file (256 MiB) and the length of one line (1 MiB: 4,096 columns of
// 25-digit numbers and a long sample name fit).
const (
	MaxCSVRows      = 10_000_000
	MaxCSVColumns   = 1 << 12
	MaxNameLen      = 1 << 10
	MaxCSVBytes     = 256 << 20
	MaxCSVLineBytes = 1 << 20
)

// maxCSVBytes is MaxCSVBytes; tests lower it.
var maxCSVBytes int64 = MaxCSVBytes

// ErrCSVTooLarge is wrapped by the errors of a feature table larger than
// MaxCSVBytes or with a line longer than MaxCSVLineBytes.
var ErrCSVTooLarge = errors.New("feature table too large")

// capReader fails once its input passes MaxCSVBytes, or a line
// MaxCSVLineBytes, so that no input makes ReadCSV hold more than a bounded
// amount (encoding/csv keeps a whole line, however long).
type capReader struct {
	r          io.Reader
	total, cur int64 // bytes read; bytes of the current line
	line       int64 // number of the current line, from 1
}

func (c *capReader) Read(p []byte) (int, error) {
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	n, err := c.r.Read(p)
	b := p[:n]
	c.total += int64(n)
	if c.total > maxCSVBytes {
		return 0, fmt.Errorf("%w: more than %d MiB", ErrCSVTooLarge, maxCSVBytes>>20)
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			c.cur += int64(len(b))
			break
		}
		if c.cur+int64(i) > MaxCSVLineBytes {
			break
		}
		c.cur, c.line, b = 0, c.line+1, b[i+1:]
	}
	if c.cur > MaxCSVLineBytes {
		return 0, fmt.Errorf("line %d: %w: a line longer than %d MiB", c.line, ErrCSVTooLarge, MaxCSVLineBytes>>20)
	}
	return n, err
}

// ReadCSV reads a feature table: a header whose first column is `sample`
// followed by feature names, then one row per sample. Every value must be
// a finite number; feature names are unique, at most MaxNameLen bytes and
// hold no control characters. Errors name the line and column; a table
// larger than MaxCSVBytes, or with a line longer than MaxCSVLineBytes, is
// an error wrapping ErrCSVTooLarge.
func ReadCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(&capReader{r: r, line: 1})
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty CSV file: want a header `sample,<feature>...`")
	}
	if err != nil {
		return nil, err
	}
	if len(head) < 2 || head[0] != "sample" {
		return nil, errors.New("line 1: header must start with `sample` followed by feature names")
	}
	if len(head)-1 > MaxCSVColumns {
		return nil, fmt.Errorf("line 1: %d features, more than %d", len(head)-1, MaxCSVColumns)
	}
	t := &Table{Names: append([]string(nil), head[1:]...)}
	seen := make(map[string]bool, len(t.Names))
	for j, n := range t.Names {
		if n == "" || seen[n] {
			return nil, fmt.Errorf("line 1, column %d: feature name %q is empty or repeated", j+2, n)
		}
		if len(n) > MaxNameLen || strings.IndexFunc(n, unicode.IsControl) >= 0 {
			return nil, fmt.Errorf("line 1, column %d: feature name %.40q is longer than %d bytes or holds a control character", j+2, n, MaxNameLen)
		}
		seen[n] = true
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // csv.ParseError carries the line
		}
		line, _ := cr.FieldPos(0)
		if len(t.Rows) >= MaxCSVRows {
			return nil, fmt.Errorf("line %d: more than %d rows", line, MaxCSVRows)
		}
		row := make([]float64, len(t.Names))
		for j, s := range rec[1:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d, column %d (%s): %q is not a finite number", line, j+2, t.Names[j], s)
			}
			row[j] = v
		}
		t.Samples = append(t.Samples, rec[0])
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 {
		return nil, errors.New("CSV file has a header but no samples")
	}
	return t, nil
}
