package sandbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// sandboxOrSkip skips the test when this machine cannot build the initproc.
func sandboxOrSkip(t *testing.T) {
	t.Helper()
	if err := Check(); err != nil {
		var se *SandboxError
		if errors.As(err, &se) {
			t.Skipf("no sandbox here: %v", err)
		}
		t.Fatalf("Check: %v", err)
	}
}

func TestRunBasic(t *testing.T) {
	sandboxOrSkip(t)
	for _, noSandbox := range []bool{false, true} {
		var trace bytes.Buffer
		opts := RunOptions{NoSandbox: noSandbox}
		res, err := Run(context.Background(), opts, []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, &trace)
		if err != nil {
			t.Fatalf("NoSandbox=%v: Run: %v", noSandbox, err)
		}
		if res.ExitCode != 3 || res.TimedOut || res.Truncated {
			t.Errorf("NoSandbox=%v: result %+v, want exit code 3", noSandbox, res)
		}
		if string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" {
			t.Errorf("NoSandbox=%v: stdout %q stderr %q, want \"out\\n\" and \"err\\n\"", noSandbox, res.Stdout, res.Stderr)
		}
		if !strings.Contains(trace.String(), `execve("/bin/sh", ["/bin/sh", "-c", `) || !strings.Contains(trace.String(), "exit_group(3)") {
			t.Errorf("NoSandbox=%v: trace lacks the execve or exit_group call:\n%.1000s", noSandbox, trace.String())
		}
		if strings.Contains(trace.String(), "echo err") && strings.Contains(trace.String(), "\nerr\n") {
			t.Errorf("NoSandbox=%v: program stderr mixed into the trace", noSandbox)
		}
	}
}

func TestRunNoStrace(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Run(context.Background(), RunOptions{}, []string{"/bin/true"}, io.Discard)
	if !errors.Is(err, ErrNoStrace) || !strings.Contains(err.Error(), "apt-get install strace") {
		t.Fatalf("Run without strace: %v, want ErrNoStrace naming apt-get install strace", err)
	}
}

func TestRunMissingProgram(t *testing.T) {
	_, err := Run(context.Background(), RunOptions{}, []string{"./no/such/program"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no/such/program") {
		t.Fatalf("Run of a missing program: %v, want an error naming it", err)
	}
}

// TestRunCancel cancels a run the way Ctrl+C does: every process of the run
// is gone when Run returns, which reports the cancellation, and the trace
// written so far is kept.
func TestRunCancel(t *testing.T) {
	sandboxOrSkip(t)
	for _, noSandbox := range []bool{false, true} {
		dir := t.TempDir()
		prog := writeProgram(t, dir, "wait.sh", "#!/bin/sh\nexport MARK="+dir+"\nsleep 1000 &\necho started\nwait\n")
		ctx, cancel := context.WithCancel(context.Background())
		// Cancel once the trace shows the program waiting for its child
		// (strace writes out a call's start before it waits).
		trace := &watchWriter{want: []byte("wait4("), seen: make(chan struct{})}
		go func() {
			defer cancel()
			select {
			case <-trace.seen:
			case <-ctx.Done():
			}
		}()
		// The timeout is far beyond any machine's start-up time: the run
		// ends by the cancellation.
		const timeout = 10 * time.Minute
		res, err := Run(ctx, RunOptions{Timeout: timeout, NoSandbox: noSandbox}, []string{prog}, trace)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("NoSandbox=%v: Run returned %v, want context.Canceled", noSandbox, err)
		}
		if res.TimedOut || res.ExitCode != -1 || res.Duration >= timeout {
			t.Errorf("NoSandbox=%v: result %+v, want a killed run before its timeout", noSandbox, res)
		}
		if left := procsWith(dir); len(left) > 0 {
			t.Errorf("NoSandbox=%v: processes still alive after cancellation: %v", noSandbox, left)
		}
		if !strings.Contains(trace.String(), "wait4(") {
			t.Errorf("NoSandbox=%v: the trace so far was not kept:\n%.500s", noSandbox, trace.String())
		}
	}
}

// watchWriter keeps what is written and closes seen once it holds want.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want []byte
	seen chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.Contains(w.buf.Bytes(), w.want)
	w.buf.Write(p)
	if !had && bytes.Contains(w.buf.Bytes(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// RunOptions.Stdin feeds the program's standard input through a pipe,
// also when the program reopens it through /dev/stdin; a program that
// never reads its input still ends the run.
func TestRunStdin(t *testing.T) {
	sandboxOrSkip(t)
	for _, noSandbox := range []bool{false, true} {
		opts := RunOptions{NoSandbox: noSandbox, Stdin: strings.NewReader("one\ntwo\nthree\n")}
		res, err := Run(context.Background(), opts, []string{"/bin/sh", "-c", "wc -l; cat /dev/stdin"}, io.Discard)
		if err != nil {
			t.Fatalf("NoSandbox=%v: Run: %v", noSandbox, err)
		}
		if strings.TrimSpace(string(res.Stdout)) != "3" || res.ExitCode != 0 {
			t.Errorf("NoSandbox=%v: stdout %q, exit %d; want 3 lines counted", noSandbox, res.Stdout, res.ExitCode)
		}
		// More input than a pipe holds, never read.
		opts.Stdin = strings.NewReader(strings.Repeat("x", 1<<20))
		res, err = Run(context.Background(), opts, []string{"/bin/true"}, io.Discard)
		if err != nil || res.ExitCode != 0 || res.TimedOut {
			t.Errorf("NoSandbox=%v: unread input: %+v, %v", noSandbox, res, err)
		}
	}
}
