package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"detector/sandbox"
	"detector/trace"
)

// StraceOptions say what the strace source traces: the running process
// Pid and the children it starts from now on, or Argv, a trusted command
// started on the host (not in the sandbox) with its descendants.
type StraceOptions struct {
	Pid  int
	Argv []string
	// Stdout and Stderr receive the command's output (Argv only).
	Stdout, Stderr io.Writer
}

// RunStrace traces o's process tree with strace until the tree ends or ctx
// is done, and feeds every event to s. A command it started is killed,
// with its process group, when ctx ends first; an attached process is
// left running (strace detaches). It returns the command's exit status
// (-1 for an attached process) and the first error of the trace or the
// log.
func RunStrace(ctx context.Context, o StraceOptions, s *Stream) (int, error) {
	s.cfg.Metrics.setTracked(func() int { return len(s.Live()) })
	strace, err := exec.LookPath("strace")
	if err != nil {
		return -1, sandbox.ErrNoStrace
	}
	r, w, err := os.Pipe()
	if err != nil {
		return -1, err
	}
	defer r.Close()
	args := []string{"-f", "-q", "-o", "/proc/self/fd/3"}
	args = append(args, strings.Fields(sandbox.TraceOptions)...)
	if o.Pid > 0 {
		args = append(args, "-p", strconv.Itoa(o.Pid))
	} else {
		if len(o.Argv) == 0 {
			w.Close()
			return -1, errors.New("monitor: nothing to trace")
		}
		args = append(append(args, "--"), o.Argv...)
	}
	cmd := exec.Command(strace, args...)
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdin = os.Stdin
	cmd.Stdout, cmd.Stderr = o.Stdout, o.Stderr
	// Its own process group: the command and its children can be killed
	// together, and a Ctrl+C at the terminal reaches only detector, which
	// ends the trace itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if o.Pid > 0 {
		cmd.Stdin = nil
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return -1, fmt.Errorf("start strace: %w", err)
	}
	w.Close()
	// detach ends an attached trace: strace detaches from the processes
	// and exits on SIGTERM; should it not have within detachGrace (a
	// detach can wait on a tracee caught mid-fork), SIGKILL ends it, and
	// the kernel detaches the processes it traced, which live on (strace
	// kills its tracees on exit only when it started them).
	var killer *time.Timer
	var kmu sync.Mutex
	detach := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		kmu.Lock()
		if killer == nil {
			killer = time.AfterFunc(detachGrace, func() { cmd.Process.Signal(syscall.SIGKILL) })
		}
		kmu.Unlock()
	}
	stop := context.AfterFunc(ctx, func() {
		if o.Pid > 0 {
			detach()
			return
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	defer stop()
	_, perr := trace.ParseEvents(r, s.Event)
	if perr != nil {
		// The log or the trace failed: stop tracing.
		if o.Pid > 0 {
			detach()
		} else {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		io.Copy(io.Discard, r)
	}
	werr := cmd.Wait()
	kmu.Lock()
	if killer != nil {
		killer.Stop()
	}
	kmu.Unlock()
	if o.Pid <= 0 && (ctx.Err() != nil || perr != nil) {
		// SIGKILL reaches the group's processes in their own time: the
		// monitor ends after them, so that none outlives it.
		waitGroupGone(cmd.Process.Pid, groupGrace)
	}
	if cerr := s.Close(); perr == nil {
		perr = cerr
	}
	code := -1
	var ee *exec.ExitError
	switch {
	case werr == nil:
		code = 0
	case errors.As(werr, &ee):
		code = ee.ExitCode()
	}
	if o.Pid > 0 {
		code = -1
	}
	if perr != nil {
		return code, perr
	}
	if ctx.Err() == nil && o.Pid > 0 && werr != nil && code != 0 {
		return code, fmt.Errorf("strace -p %d: %v", o.Pid, werr)
	}
	return code, nil
}

// ScoreLoop calls s.Score every d until ctx is done.
func ScoreLoop(ctx context.Context, d time.Duration, s *Stream, warn func(string, ...any)) {
	if d <= 0 {
		return
	}
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Score(); err != nil {
				warn("%v", err)
				return
			}
		}
	}
}

// groupGrace bounds how long the monitor waits for a killed command's
// process group to be gone.
const groupGrace = 10 * time.Second

// detachGrace is how long an attached strace has to detach and exit after
// SIGTERM before it is killed.
const detachGrace = 10 * time.Second

// waitGroupGone waits until no process of group pgid is left (a zombie
// not yet reaped by its new parent counts), at most grace.
func waitGroupGone(pgid int, grace time.Duration) {
	deadline := time.Now().Add(grace)
	for syscall.Kill(-pgid, 0) == nil && time.Now().Before(deadline) {
		syscall.Kill(-pgid, syscall.SIGKILL)
		time.Sleep(10 * time.Millisecond)
	}
}
