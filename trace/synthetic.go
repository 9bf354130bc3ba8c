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
