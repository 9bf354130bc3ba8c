package rules

// NoQuiet turns the quiet-call cache off, so that tests can check it
// changes nothing.
func (e *Engine) NoQuiet() { e.noQuiet = true }

// QuietKeys returns the number of call texts the quiet cache holds.
func (e *Engine) QuietKeys() int {
	n := 0
	for _, q := range e.quiet {
		if q != nil {
			n += q.n
		}
	}
	return n
}

// Memos returns the number of matcher answers the engine remembers per
// value.
func (s *Set) Memos() int { return s.memos }
