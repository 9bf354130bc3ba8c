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
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"detector/hint"
	"detector/report"
	"detector/sandbox"
)

// defaultTimeout is the wall-clock limit of one traced run.
const defaultTimeout = 10 * time.Second

// version is the tool's version, stored in every model it writes.
var version = "0.1.0"

// versionText is what --version prints: the version, and the commit and
// build time when the Go build recorded them (a build inside a git
// checkout does; "unknown" otherwise).
func versionText() string {
	commit, when, dirty := "unknown", "unknown", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = " (modified)"
				}
			}
		}
	}
	return fmt.Sprintf("%s, commit %s%s, built from sources of %s", version, commit, dirty, when)
}

// Exit statuses.
const (
	exitOK        = 0
	exitAnomalous = 1
	exitError     = 2
)

// errAnomalous is returned by detect when at least one sample is
// anomalous; it is a result, not a failure, and prints nothing.
var errAnomalous = errors.New("anomalous samples found")

// exitStatus ends detector with a status of its own and no message: the
// traced command's, for `detector trace`.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// withHint attaches advice for the person running the tool to err.
func withHint(err error, advice string) error { return hint.Wrap(err, advice) }

// interruptGrace is how long the first Ctrl+C or SIGTERM leaves the
// command to stop cleanly (kill its runs, remove temporary files) before
// the process exits anyway; a second signal exits at once.
const interruptGrace = 800 * time.Millisecond

// stopGrace, when a command sets it (in nanoseconds), replaces
// interruptGrace: the monitor drains its queue and flushes its log on
// SIGTERM, which takes longer on a busy machine.
var stopGrace atomic.Int64

// exiting is held by whoever ends the process, so that the last words of
// main and of the signal handler never mix.
var exiting sync.Mutex

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		grace := interruptGrace
		if g := stopGrace.Load(); g > 0 {
			grace = time.Duration(g)
		}
		select {
		case <-sigs:
		case <-time.After(grace):
		}
		exiting.Lock()
		removeSpool()
		fmt.Fprintln(os.Stderr, "detector: interrupted")
		os.Exit(exitError)
	}()
	var args []string
	args, invocation = splitInvocation(os.Args)
	err := newApp().RunContext(ctx, args)
	exiting.Lock()
	removeSpool()
	os.Exit(exitCode(os.Stderr, err))
}

// exitCode reports err on w and returns the exit status for it. Messages
// carry file names and other outside strings, so they are escaped with
// report.Escape.
func exitCode(w io.Writer, err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errAnomalous):
		return exitAnomalous
	}
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	fmt.Fprintf(w, "detector: %s\n", report.Escape(oneLine(err.Error())))
	h := hint.Of(err)
	if h == "" {
		h = advice(err)
	}
	if h != "" {
		fmt.Fprintf(w, "detector: hint: %s\n", report.Escape(oneLine(h)))
	}
	return exitError
}

// advice is the hint for an error that carries none of its own, from
// what failed: each points to a fix that works for that failure.
func advice(err error) string {
	var se *sandbox.SandboxError
	if errors.As(err, &se) {
		switch {
		case strings.HasPrefix(se.Reason, "create namespaces"):
			return "the sandbox needs user namespaces: run as root, or allow them to users (sysctl kernel.unprivileged_userns_clone=1; " +
				"on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0); --no-sandbox runs programs without isolation, only for programs you trust"
		case strings.HasPrefix(se.Reason, "place "):
			return "the sample could not be made visible inside the sandbox: give a regular file that you can read"
		}
		return "run 'detector trace -- /bin/true' to see whether the sandbox can run here"
	}
	return ""
}

// warnf prints a warning, escaped like errors; it does not change the
// exit status.
func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "detector: warning: %s\n", report.Escape(oneLine(fmt.Sprintf(format, args...))))
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
