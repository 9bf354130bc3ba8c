package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"

	"detector/report"
)

// progress draws a one-line bar on a terminal while samples are read.
// Disabled, it does nothing, so callers need not check.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	n     int
	on    bool
}

func newProgress(w io.Writer, total int, on bool) *progress {
	return &progress{w: w, total: total, on: on && total > 1}
}

// stderrIsTerminal says whether a progress bar belongs on stderr.
func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }

func (p *progress) step(name string) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	const width = 30
	fill := width * p.n / p.total
	name = report.Escape(name)
	if r := []rune(name); len(r) > 40 {
		name = "..." + string(r[len(r)-37:])
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), p.n, p.total, name)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
