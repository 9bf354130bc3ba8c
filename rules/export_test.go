package rules

// NoQuiet turns the quiet-call cache off, so that tests can check it
// changes nothing.
func (e *Engine) NoQuiet() { e.noQuiet = true }
