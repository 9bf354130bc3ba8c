package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/elastic/go-libaudit/v2/auparse"
)

// Arch selects the system-call numbering of an ADFA-LD trace.
type Arch int

const (
	ArchI386  Arch = iota // 32-bit x86 numbers (the ADFA-LD default)
	ArchX8664             // x86_64 numbers
)

// ParseArch parses "i386" or "x86_64" (also "386", "amd64", "x86-64").
func ParseArch(s string) (Arch, error) {
	switch s {
	case "i386", "386", "i686", "x86":
		return ArchI386, nil
	case "x86_64", "x86-64", "amd64":
		return ArchX8664, nil
	}
	return 0, fmt.Errorf("parse arch %q: want i386 or x86_64", s)
}

func (a Arch) String() string {
	switch a {
	case ArchI386:
		return "i386"
	case ArchX8664:
		return "x86_64"
	}
	return "Arch(" + strconv.Itoa(int(a)) + ")"
}

// maxSyscallNumber bounds the numbers ParseADFA accepts.
const maxSyscallNumber = 1 << 20

// syscallTable returns go-libaudit's number -> name table for a.
func syscallTable(a Arch) (map[int]string, error) {
	t, ok := auparse.AuditSyscalls[a.String()]
	if !ok {
		return nil, fmt.Errorf("no system-call table for arch %v", a)
	}
	return t, nil
}

// UnknownSyscallName is the name given to a system-call number that the
// architecture's table does not know: strace's spelling, "syscall_0x" and
// the number in lower-case hex (e.g. "syscall_0x1b6").
func UnknownSyscallName(n int) string { return "syscall_0x" + strconv.FormatInt(int64(n), 16) }

// ParseADFA reads an ADFA-LD trace from r: system-call numbers separated by
// white space (any number of lines), named from go-libaudit's audit tables
// for arch. A number the table does not know is named by
// UnknownSyscallName. Calls have PID 0, no arguments and RetKnown false. A
// token that is not a decimal integer in [0, 2^20) is a *ParseError with its
// line and column, and so is a number that would be the trace's distinct
// number MaxNames+1 (no table has that many), so memory stays bounded. If
// fn returns an error, parsing stops and that error is returned as is.
func ParseADFA(r io.Reader, arch Arch, fn func(*Call) error) (Stats, error) {
	var st Stats
	table, err := syscallTable(arch)
	if err != nil {
		return st, err
	}
	seen := make(map[int]string) // number -> name, at most MaxNames
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		call     Call
		line     int64 = 1
		col      int   // 0-based column of the next byte
		tok      []byte
		lineText []byte // start of the current line, kept for error messages
		tokCol   int
	)
	flush := func() error {
		if len(tok) == 0 {
			return nil
		}
		n, ok := 0, true
		for _, c := range tok {
			if c < '0' || c > '9' || n >= maxSyscallNumber {
				ok = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if !ok || n >= maxSyscallNumber {
			return newParseError(line, tokCol+1, lineText, fmt.Errorf("bad system-call number %q", truncate(tok, 40)))
		}
		name, found := seen[n]
		if !found {
			if len(seen) >= MaxNames {
				return newParseError(line, tokCol+1, lineText, fmt.Errorf("more than %d distinct system-call numbers; no system-call table has that many", MaxNames))
			}
			if name, found = table[n]; !found {
				name = UnknownSyscallName(n)
			}
			seen[n] = name
		}
		call = Call{Name: name}
		st.Calls++
		tok = tok[:0]
		return fn(&call)
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, newParseError(line, col+1, lineText, err)
		}
		st.Bytes++
		if len(lineText) < maxErrText {
			lineText = append(lineText, c)
		}
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
			if ferr := flush(); ferr != nil {
				return st, ferr
			}
			if c == '\n' {
				st.Lines++
				line++
				col = 0
				lineText = lineText[:0]
				continue
			}
		default:
			if len(tok) == 0 {
				tokCol = col
			}
			if len(tok) < 64 {
				tok = append(tok, c)
			} else if ok := isDigits(tok); !ok {
				return st, newParseError(line, tokCol+1, lineText, errors.New("bad system-call number"))
			}
		}
		col++
	}
	if st.Bytes > 0 && (len(lineText) > 0 || col > 0) {
		st.Lines++
	}
	return st, flush()
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
