package trace

import (
	"strconv"
	"time"
)

// NewCall returns a call described as strace prints it (args is the text
// between the parentheses), for a tracer other than strace that feeds the
// same consumers: rules read its arguments as they read strace's.
func NewCall(pid int, name, args string, ret int64, retKnown bool, errno string) *Call {
	return &Call{PID: pid, Name: name, Ret: ret, RetKnown: retKnown, Errno: errno, args: []byte(args)}
}

// SetTime gives e the timestamp t (since the Unix epoch), as strace -ttt
// would have printed it.
func (e *Event) SetTime(t time.Duration) {
	us := t.Microseconds()
	b := strconv.AppendInt(e.ts[:0], us/1e6, 10)
	frac := us % 1e6
	b = append(b, '.')
	s := strconv.FormatInt(1e6+frac, 10)[1:]
	e.ts = append(b, s...)
}

// AppendLine appends e as a line of strace -f -ttt would print it, with
// its newline, so that ParseEvents reads it back as e (spawns and execs
// follow from the calls' lines, so they append nothing). A failed call
// carries its errno's name and message; an unknown result is "?".
func (e *Event) AppendLine(dst []byte) []byte {
	switch e.Kind {
	case EventCall:
	case EventExit:
	default:
		return dst
	}
	dst = strconv.AppendInt(dst, int64(e.PID), 10)
	dst = append(dst, ' ')
	if len(e.ts) > 0 {
		dst = append(dst, e.ts...)
		dst = append(dst, ' ')
	}
	if e.Kind == EventExit {
		switch {
		case e.Signal != "" && e.CoreDumped:
			dst = append(dst, "+++ killed by "+e.Signal+" (core dumped) +++\n"...)
		case e.Signal != "":
			dst = append(dst, "+++ killed by "+e.Signal+" +++\n"...)
		default:
			dst = append(dst, "+++ exited with "...)
			dst = strconv.AppendInt(dst, int64(e.ExitCode), 10)
			dst = append(dst, " +++\n"...)
		}
		return dst
	}
	c := e.Call
	dst = append(dst, c.Name...)
	dst = append(dst, '(')
	dst = append(dst, c.args...)
	dst = append(dst, ") = "...)
	switch {
	case !c.RetKnown:
		dst = append(dst, '?')
	case c.Errno != "":
		dst = strconv.AppendInt(dst, c.Ret, 10)
		dst = append(dst, ' ')
		dst = append(dst, c.Errno...)
	default:
		dst = strconv.AppendInt(dst, c.Ret, 10)
	}
	return append(dst, '\n')
}
