package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"detector/report"
)

// progress draws a one-line bar on a terminal while samples are read.
// Disabled, it does nothing, so callers need not check.
type progress struct {
	w  io.Writer
	on bool
}

func newProgress(w io.Writer, on bool) *progress {
	return &progress{w: w, on: on}
}

// stderrIsTerminal says whether a progress bar belongs on stderr.
func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }

// step draws the bar after done of total samples, the last one name. The
// pipeline calls it from one goroutine at a time.
func (p *progress) step(done, total int, name string) {
	if !p.on || total < 2 {
		return
	}
	const width = 30
	fill := width * done / total
	name = report.Escape(name)
	if r := []rune(name); len(r) > 40 {
		name = "..." + string(r[len(r)-37:])
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total, name)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
