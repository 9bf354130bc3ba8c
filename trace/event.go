package trace

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventCall is a system call; Event.Call is set.
	EventCall EventKind = iota + 1
	// EventSpawn is a new process: PID created Child (clone, clone3,
	// fork or vfork returned Child in PID). It follows the creating call.
	EventSpawn
	// EventExec is a successful execve or execveat of PID; Event.Call is
	// the call, whose arguments hold the path and argv (see ExecPath and
	// ExecArgv). It follows the call.
	EventExec
	// EventExit is the end of PID: ExitCode, or Signal when a signal
	// killed it (strace's "+++ exited with N +++" and "+++ killed by SIG
	// +++" lines).
	EventExit
)

func (k EventKind) String() string {
	switch k {
	case EventCall:
		return "call"
	case EventSpawn:
		return "spawn"
	case EventExec:
		return "exec"
	case EventExit:
		return "exit"
	}
	return "event(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing a trace reports, in trace order. Like Call, it is
// valid only during the callback that receives it: copy what you keep.
type Event struct {
	Kind EventKind
	PID  int
	ts   []byte // the line's timestamp field; see Time
	// Call is the call of an EventCall or EventExec, nil otherwise.
	Call *Call
	// Child is the new process of an EventSpawn.
	Child int
	// ExitCode is the status of an EventExit without Signal.
	ExitCode int
	// Signal names the signal that killed the process ("SIGKILL") of an
	// EventExit, or is "".
	Signal string
	// CoreDumped is set on an EventExit whose process dumped core.
	CoreDumped bool
}

// Time returns the event's timestamp when the trace has one: with strace
// -ttt the time since the Unix epoch, with -t or -tt the time of day, with
// -r the time since the previous line. An unfinished/resumed call carries
// the time of its resumed line. It is decoded on demand, so events cost
// nothing for timestamps nobody reads.
func (e *Event) Time() (time.Duration, bool) { return parseTimestamp(e.ts) }

// ParseEvents is ParseStrace delivering every event of the log (calls,
// process starts, execs and ends) instead of calls alone. Calls and Stats
// are the same as ParseStrace's.
func ParseEvents(r io.Reader, fn func(*Event) error) (Stats, error) {
	p := newStraceParser(nil, 0)
	p.efn = fn
	err := p.run(r)
	return p.st, err
}

// ParseEventsPID is ParseEvents for a log whose lines carry no pid, such
// as one file of strace -ff: events of lines without one get pid.
func ParseEventsPID(r io.Reader, pid int, fn func(*Event) error) (Stats, error) {
	p := newStraceParser(nil, pid)
	p.efn = fn
	err := p.run(r)
	return p.st, err
}

// LooksLikeStrace reports whether some complete line of head is an strace call,
// signal or exit line, or, when the first line is longer than head, whether
// it starts like an strace call.
func LooksLikeStrace(head []byte, truncated bool) bool {
	found := false
	p := newStraceParser(func(*Call) error { found = true; return nil }, 0)
	rest := head
	complete := false
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if truncated {
				break
			}
			i = len(rest) - 1
		}
		complete = true
		p.handle(rest[:i+1])
		if found || p.st.Exits > 0 || p.st.Signals > 0 || len(p.pending) > 0 {
			return true
		}
		rest = rest[i+1:]
	}
	if complete || !truncated {
		return false
	}
	// One line longer than the sniffed prefix: does it begin like a call?
	_, body, ok := p.prefix(head)
	n := ident(body)
	return ok && n > 0 && n < len(body) && body[n] == '('
}

// CallsOnly adapts a call callback to an event callback that ignores every
// event but calls.
func CallsOnly(fn func(*Call) error) func(*Event) error {
	return func(e *Event) error {
		if e.Kind == EventCall {
			return fn(e.Call)
		}
		return nil
	}
}

// emitCall delivers p.call as an EventCall, and the spawn or exec it
// reports.
func (p *straceParser) emitCall() error {
	ev := &p.ev
	ev.Kind, ev.PID, ev.Call, ev.ts = EventCall, p.call.PID, &p.call, p.ts
	if err := p.efn(ev); err != nil {
		return err
	}
	c := &p.call
	if !c.RetKnown || c.Errno != "" || len(c.Name) < 4 {
		return nil
	}
	switch c.Name[0] {
	case 'c', 'f', 'v':
		if c.Ret > 0 && (c.Name == "clone" || c.Name == "clone3" || c.Name == "fork" || c.Name == "vfork") {
			child := int(c.Ret)
			if parent, ok := p.early[child]; ok && parent == c.PID {
				delete(p.early, child) // told at the child's first line
				return nil
			}
			if p.seen != nil && len(p.seen) < maxSeen {
				p.seen[child] = true
			}
			*ev = Event{Kind: EventSpawn, PID: c.PID, Child: child, ts: p.ts}
			return p.efn(ev)
		}
	case 'e':
		if c.Ret == 0 && (c.Name == "execve" || c.Name == "execveat") {
			ev.Kind = EventExec
			return p.efn(ev)
		}
	}
	return nil
}

// emitExit delivers an EventExit for the text between "+++ " and " +++".
func (p *straceParser) emitExit(pid int, t []byte) error {
	p.ev = Event{Kind: EventExit, PID: pid, ts: p.ts}
	switch {
	case bytes.HasPrefix(t, []byte("exited with ")):
		p.ev.ExitCode, _ = parseDec(t, len("exited with "))
	case bytes.HasPrefix(t, []byte("killed by ")):
		sig := t[len("killed by "):]
		if i := bytes.IndexByte(sig, ' '); i >= 0 {
			p.ev.CoreDumped = bytes.Contains(sig[i:], []byte("core dumped"))
			sig = sig[:i]
		}
		p.ev.Signal = p.internErrno(sig) // upper case, bounded like errno names
	default:
		return nil // "+++ superseded by execve +++" and the like
	}
	return p.efn(&p.ev)
}

// parseTimestamp reads strace's timestamp field: seconds with an optional
// fraction (-ttt, -r) or a time of day HH:MM:SS with an optional fraction
// (-t, -tt).
func parseTimestamp(b []byte) (time.Duration, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var secs, field int64
	colons := 0
	i := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			if field > 1<<40 {
				return 0, false
			}
			field = field*10 + int64(c-'0')
		case c == ':' && colons < 2:
			secs = secs*60 + field
			field = 0
			colons++
		default:
			return 0, false
		}
	}
	if colons > 0 {
		secs *= 60
	}
	secs += field
	d := time.Duration(secs) * time.Second
	if i < len(b) {
		frac := b[i+1:]
		scale := int64(time.Second)
		var ns int64
		for _, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
			if scale >= 10 {
				scale /= 10
				ns += int64(c-'0') * scale
			}
		}
		d += time.Duration(ns)
	}
	return d, true
}

// ExecPath returns the path an execve or execveat call ran, unquoted, or
// "" when the call is neither or the path is not a plain string. For
// execveat it is the path argument, relative to the directory descriptor
// (empty with AT_EMPTY_PATH).
func (c *Call) ExecPath() string { return strings.Clone(c.ExecPathView()) }

// ExecPathView is ExecPath without the copy: like ArgView, the string may
// share the parsed line's memory and is valid only until the next line.
func (c *Call) ExecPathView() string {
	i := 0
	switch c.Name {
	case "execve":
	case "execveat":
		i = 1
	default:
		return ""
	}
	s, _, ok := Unquote(c.ArgView(i))
	if !ok {
		return ""
	}
	return s
}

// ExecArgv returns the argument vector of an execve or execveat call, each
// unquoted, and whether strace printed it whole (no "..." for elided
// elements, no truncated string). It is nil for other calls.
func (c *Call) ExecArgv() (argv []string, whole bool) {
	i := 1
	switch c.Name {
	case "execve":
	case "execveat":
		i = 2
	default:
		return nil, false
	}
	return splitStringArray(c.Arg(i))
}

// ParseStringArray decodes an argument printed as strace's string array,
// ["a", "b", ...] (execve's argv), into its strings; whole is false when
// strace left elements out ("...").
func ParseStringArray(a string) (strs []string, whole bool) { return splitStringArray(a) }

// splitStringArray splits strace's ["a", "b", ...] into its strings.
func splitStringArray(a string) ([]string, bool) {
	b := []byte(a)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	b = b[1 : len(b)-1]
	whole := true
	var out []string
	for start := 0; start < len(b); {
		end := nextTop(b, start)
		el := trimBlank(b[start:end])
		switch {
		case len(el) == 0:
		case string(el) == "...":
			whole = false
		default:
			s, trunc, ok := Unquote(string(el))
			if !ok {
				return out, false
			}
			if trunc {
				whole = false
			}
			out = append(out, s)
		}
		if end >= len(b) {
			break
		}
		start = end + 1
	}
	return out, whole
}
