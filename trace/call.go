package trace

import (
	"fmt"
	"strings"
)

// Call is one system call. It is valid only during the callback that
// receives it: the parser reuses the value and the bytes behind Args, so copy
// what you keep. Name and Errno are interned and may be kept as they are.
type Call struct {
	PID      int    // process id from the log's pid column, its [pid N] prefix or an -ff file name; 0 when the log has none
	Name     string // syscall name, e.g. "openat"; unknown calls keep strace's "syscall_0x1b6" spelling
	Ret      int64  // return value; meaningless when !RetKnown
	RetKnown bool   // false for "= ?" and calls with no return (exit_group, unfinished at end of input)
	Errno    string // "ENOENT", "ERESTARTSYS"... or ""
	// RetPath is what the kernel resolved the call's object to, when the
	// tracer tells it: for a call that returned a descriptor, strace -yy's
	// decoration of the result ("/etc/shadow" for "= 3</etc/shadow>", or
	// a socket's "TCP:[...]"); for a successful execve or execveat, the
	// path of the file the kernel executed. "" when not known: rules then
	// resolve the path arguments themselves.
	RetPath string
	// Compat is set on a call made through the 32-bit (i386) entry point
	// (int $0x80), whatever the process: Name is then the i386 call's
	// name ("open"), not the x86_64 call of the same number.
	Compat bool

	args []byte // raw argument text, aliasing the parser's buffers
}

// Args returns the raw argument text between the call's outer parentheses,
// as strace printed it. For an unfinished/resumed pair it is the text of the
// unfinished line followed by the text of the resumed line. ADFA-LD calls have
// no arguments.
func (c *Call) Args() string { return string(c.args) }

// Arg returns the i-th (0-based) top-level argument, trimmed of surrounding
// blanks, or "" when the call has fewer arguments. Splitting respects quoted
// strings with backslash escapes, nesting in (), [] and {}, /* comments */
// and -y/-yy decorations such as 3</etc/passwd> or 4<TCP:[1.2.3.4:5->6.7.8.9:10]>.
// String arguments keep their quotes and escapes; see Unquote.
func (c *Call) Arg(i int) string { return string(c.arg(i)) }

// arg returns the bytes of Arg(i), in the parser's buffer.
func (c *Call) arg(i int) []byte {
	if i < 0 {
		return nil
	}
	b := c.args
	start := 0
	for n := 0; ; n++ {
		end := nextTop(b, start)
		if n == i {
			return trimBlank(b[start:end])
		}
		if end >= len(b) || b[end] != ',' {
			return nil
		}
		start = end + 1
	}
}

// Stats describes one parsed trace. All counts are whole-input totals.
type Stats struct {
	Lines   int64 // lines read, including a last line without a newline
	Calls   int64 // calls delivered to the callback
	Skipped int64 // lines that were not strace's (program output, summary tables, "strace:" messages) or not understood
	Signals int64 // "--- SIG... ---" lines
	Exits   int64 // "+++ exited with N +++" and "+++ killed by SIG... +++" lines
	Cut     int64 // lines longer than MaxLineBytes, parsed from their start and end only
	Bytes   int64 // bytes read
}

// Add adds the counts of o to s.
func (s *Stats) Add(o Stats) {
	s.Lines += o.Lines
	s.Calls += o.Calls
	s.Skipped += o.Skipped
	s.Signals += o.Signals
	s.Exits += o.Exits
	s.Cut += o.Cut
	s.Bytes += o.Bytes
}

// ParseError reports malformed input. Line is 1-based; Col is the 1-based
// byte column where the problem starts, or 0 when it concerns the whole line.
type ParseError struct {
	Line int64
	Col  int
	Text string // the offending line, truncated to maxErrText bytes
	Err  error
}

const maxErrText = 120

func (e *ParseError) Error() string {
	if e.Col > 0 {
		return fmt.Sprintf("line %d, column %d: %v: %q", e.Line, e.Col, e.Err, e.Text)
	}
	return fmt.Sprintf("line %d: %v: %q", e.Line, e.Err, e.Text)
}

func (e *ParseError) Unwrap() error { return e.Err }

func newParseError(line int64, col int, text []byte, err error) *ParseError {
	if len(text) > maxErrText {
		text = text[:maxErrText]
	}
	return &ParseError{Line: line, Col: col, Text: string(text), Err: err}
}

func trimBlank(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextTop returns the index of the first top-level ',' or unmatched closing
// ')', ']' or '}' in b at or after i, or len(b). It skips quoted strings
// (with backslash escapes), /* comments */, bracketed groups and <...>
// decorations. Unterminated constructs run to the end of b.
func nextTop(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i = skipQuoted(b, i+1)
			continue
		case '/':
			if i+1 < len(b) && b[i+1] == '*' {
				i = skipComment(b, i+2)
				continue
			}
		case '<':
			if i+1 < len(b) && b[i+1] != '<' && b[i+1] != '=' && b[i+1] != ' ' {
				i = skipDecoration(b, i+1)
				continue
			}
			if i+1 < len(b) && b[i+1] == '<' {
				i += 2
				continue
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return i
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return len(b)
}

// skipQuoted returns the index just past the closing quote of a string whose
// body starts at i.
func skipQuoted(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return len(b)
}

// skipComment returns the index just past the "*/" that ends a comment whose
// body starts at i.
func skipComment(b []byte, i int) int {
	for i+1 < len(b) {
		if b[i] == '*' && b[i+1] == '/' {
			return i + 2
		}
		i++
	}
	return len(b)
}

// skipDecoration returns the index just past the '>' that closes a
// decoration whose body starts at i. Decorations nest (-yy prints
// 3</dev/null<char 1:3>>), and a "->" inside square brackets is the arrow of
// a socket address (4<TCP:[1.2.3.4:5->6.7.8.9:10]>), not a closer. strace
// escapes '<' and '>' in paths.
func skipDecoration(b []byte, i int) int {
	depth, brackets := 1, 0
	for i < len(b) {
		switch b[i] {
		case '[':
			brackets++
		case ']':
			if brackets > 0 {
				brackets--
			}
		case '<':
			depth++
		case '>':
			if brackets > 0 && b[i-1] == '-' {
				break
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return len(b)
}

// Unquote decodes an argument that strace printed as a C string: "..."
// with the escapes \t \n \v \f \r \\ \" \xNN and octal \N, \NN, \NNN. A
// string cut at strace's -s limit ends in "..." after the closing quote;
// truncated reports it. ok is false when arg is not one quoted string.
func Unquote(arg string) (s string, truncated, ok bool) {
	if len(arg) < 2 || arg[0] != '"' {
		return "", false, false
	}
	if strings.HasSuffix(arg, `"...`) {
		arg, truncated = arg[:len(arg)-3], true
	}
	if len(arg) < 2 || arg[len(arg)-1] != '"' {
		return "", false, false
	}
	body := arg[1 : len(arg)-1]
	if !strings.ContainsAny(body, `\"`) {
		return body, truncated, true
	}
	b := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '"' {
			return "", false, false
		}
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		if i >= len(body) {
			return "", false, false
		}
		switch e := body[i]; e {
		case 't':
			b = append(b, '\t')
		case 'n':
			b = append(b, '\n')
		case 'v':
			b = append(b, '\v')
		case 'f':
			b = append(b, '\f')
		case 'r':
			b = append(b, '\r')
		case '\\', '"', '\'', '?':
			b = append(b, e)
		case 'x':
			if i+2 >= len(body) {
				return "", false, false
			}
			hi, ok1 := hexVal(body[i+1])
			lo, ok2 := hexVal(body[i+2])
			if !ok1 || !ok2 {
				return "", false, false
			}
			b = append(b, hi<<4|lo)
			i += 2
		default:
			if e < '0' || e > '7' {
				return "", false, false
			}
			v := int(e - '0')
			for k := 0; k < 2 && i+1 < len(body) && body[i+1] >= '0' && body[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(body[i]-'0')
			}
			if v > 255 {
				return "", false, false
			}
			b = append(b, byte(v))
		}
	}
	return string(b), truncated, true
}
