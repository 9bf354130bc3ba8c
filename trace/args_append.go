package trace

import "unsafe"

// AppendArgs appends the call's raw argument text (what Args returns) to
// dst and returns the extended slice. With a reused dst it does not
// allocate, for consumers that look at many calls' arguments.
func (c *Call) AppendArgs(dst []byte) []byte { return append(dst, c.args...) }

// ArgsView returns the call's raw argument text (what Args returns)
// without copying it: the string shares the parser's buffer, so, like the
// Call itself, it is valid only during the callback that received the
// call, and whatever is kept longer must be copied (strings.Clone).
func (c *Call) ArgsView() string {
	if len(c.args) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(c.args), len(c.args))
}

// ArgView returns Arg(i) without copying it: like ArgsView, the string
// shares the parser's buffer and is valid only during the callback that
// received the call.
func (c *Call) ArgView(i int) string {
	b := c.arg(i)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
