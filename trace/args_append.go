package trace

// AppendArgs appends the call's raw argument text (what Args returns) to
// dst and returns the extended slice. With a reused dst it does not
// allocate, for consumers that look at many calls' arguments.
func (c *Call) AppendArgs(dst []byte) []byte { return append(dst, c.args...) }
