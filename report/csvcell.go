package report

import (
	"encoding/csv"
	"io"
)

// CSV output is safe to open in a spreadsheet by default: a cell that a
// spreadsheet would take for a formula (it begins with =, +, -, @, a tab or
// a carriage return) gets a leading single quote, as OWASP's "CSV
// injection" advice has it, so a sample named =HYPERLINK(...) or
// @SUM(1+1) is shown as text and never evaluated. Numbers (-0.5, +1e-3)
// are left alone. Raw output (--csv-raw) keeps every string exactly.

// SafeCell returns s as a spreadsheet shows it as text: s itself, or s
// with a leading ' when it begins like a formula and is not a number.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isNumber reports whether s is a plain decimal number: an optional sign,
// digits with at most one point, and an optional exponent. Words such as
// Inf or NaN, which strconv.ParseFloat accepts, are not numbers here.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, point := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			goto exp
		}
	}
exp:
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n++
		}
		if n == 0 {
			return false
		}
	}
	return i == len(s)
}

// csvWriter is a csv.Writer that makes every cell safe unless raw is set.
type csvWriter struct {
	*csv.Writer
	raw bool
}

func newCSVWriter(w io.Writer, raw bool) csvWriter {
	return csvWriter{Writer: csv.NewWriter(w), raw: raw}
}

func (c csvWriter) Write(rec []string) error {
	if !c.raw {
		for i, s := range rec {
			rec[i] = SafeCell(s)
		}
	}
	return c.Writer.Write(rec)
}

// CSVOptions say how CSV cells are written.
type CSVOptions struct {
	// Raw keeps every string exactly as it is, formula-like ones included.
	Raw bool
}
