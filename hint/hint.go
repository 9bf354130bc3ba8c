// Package hint attaches advice for the person running detector to an
// error: the command-line front end prints the error on one line and the
// hint on the next ("detector: hint: ..."). Library packages use it so that
// they can give advice without printing anything themselves.
package hint

import "errors"

type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// Wrap returns err carrying hint; errors.Is and errors.As see through it.
func Wrap(err error, hint string) error { return &hintError{err, hint} }

// Of returns the outermost hint err carries, or "".
func Of(err error) string {
	var h *hintError
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}
