// Command detector learns what benign programs do at the system-call level
// and flags programs that behave otherwise.
//
//	detector train  PATH...   learn normal behaviour from benign samples
//	detector detect PATH...   judge suspect samples against the model
//
// Samples are executables (run under strace in a sandbox), strace logs,
// ADFA-LD syscall-number traces or feature tables in CSV. See the README
// for the features, the model file and the report.
//
// Messages go to stderr, prefixed "detector: ", lower case, one line each;
// a hint, where one helps, follows on a line of its own. Exit status: 0 for
// success with nothing anomalous, 1 when detect found an anomalous sample,
// 2 for any error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"detector/hint"
)

// defaultTimeout is the wall-clock limit of one traced run.
const defaultTimeout = 10 * time.Second

// version is the tool's version, stored in every model it writes.
var version = "0.1.0"

// Exit statuses.
const (
	exitOK        = 0
	exitAnomalous = 1
	exitError     = 2
)

// errAnomalous is returned by detect when at least one sample is
// anomalous; it is a result, not a failure, and prints nothing.
var errAnomalous = errors.New("anomalous samples found")

// withHint attaches advice for the person running the tool to err.
func withHint(err error, advice string) error { return hint.Wrap(err, advice) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp().RunContext(ctx, os.Args)
	stop()
	os.Exit(exitCode(os.Stderr, err))
}

// exitCode reports err on w and returns the exit status for it.
func exitCode(w io.Writer, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errAnomalous):
		return exitAnomalous
	}
	fmt.Fprintf(w, "detector: %s\n", oneLine(err.Error()))
	if h := hint.Of(err); h != "" {
		fmt.Fprintf(w, "detector: hint: %s\n", h)
	}
	return exitError
}

// warnf prints a warning; it does not change the exit status.
func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "detector: warning: "+format+"\n", args...)
}

// oneLine folds a message onto one line, so that every message is one.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
