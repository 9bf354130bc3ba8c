package report

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape makes s safe to print on a terminal. A string of printable
// characters (strconv.IsPrint: letters, marks, numbers, punctuation,
// symbols and the ASCII space) is returned as it is, so ordinary names
// stay readable. Anything else -- a control character such as ESC,
// carriage return or newline, a Unicode format character such as a
// bidirectional override, or invalid UTF-8 -- makes the whole string
// come back Go-quoted (strconv.Quote), so that no escape sequence reaches
// the terminal and the escaping is visible. A string starting with a
// double quote is quoted too, so that a quoted name and a plain one can
// never be mistaken for each other.
//
// Every string from outside the tool (sample names, program output,
// strings from a model file, error messages naming files) goes through
// Escape on its way to a terminal; JSON stays exact, and CSV is exact but
// for cells a spreadsheet would take for a formula (see SafeCell).
func Escape(s string) string {
	if strings.HasPrefix(s, `"`) {
		return strconv.Quote(s)
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return strconv.Quote(s)
			}
		}
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
