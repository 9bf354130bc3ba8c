package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"detector/bpftrace"
	"detector/ebpfevents"
	"detector/pipeline"
	"detector/report"
	"detector/sandbox"
	"detector/trace"
)

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "run one command in the sandbox and write its trace, in strace's notation (for building training corpora)",
		ArgsUsage: "-- CMD [ARGS...]",
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "out", Value: "-", Usage: "write the log to `FILE` (- for standard output)"},
		}, runFlags()...),
			&cli.StringFlag{Name: "output-dir", Usage: "write the command's standard output and error (bounded) to stdout.txt and stderr.txt in folder `DIR`; without it they are shown on stderr"},
			tracerFlag("the command", "ebpf logs every call and its result, with the arguments of exec, openat, connect and listen alone"),
		),
		Action: runTrace,
	}
}

func runTrace(c *cli.Context) error {
	argv := c.Args().Slice()
	if len(argv) == 0 {
		return withHint(fmt.Errorf("trace needs a command"), "detector trace [--out FILE] -- CMD [ARGS...]")
	}
	// Resolve the command as a shell would, before the sandbox hides
	// nothing but changes the working directory.
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	if argv[0], err = filepath.Abs(path); err != nil {
		return err
	}
	ro, err := runOptions(c)
	if err != nil {
		return err
	}
	var choose func() (string, error)
	if ro.Tracer, choose, err = resolveTracer(c); err != nil {
		return err
	}
	// --tracer auto chooses, and says so, once the command is about to
	// run: a refused --out says nothing else.
	pick := func() {
		if choose != nil {
			ro.Tracer, _ = choose()
		}
	}
	if ro.NoSandbox {
		warnf("--no-sandbox: the command runs WITHOUT isolation, with your privileges")
	} else {
		pipeline.WarnKeptGroups(warnf)
	}
	pipeline.WarnMemoryBound(warnf)

	out := c.String("out")
	if out == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 1<<16)
		pick()
		res, err := runTraced(c.Context, ro, argv, bw)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if c.Context.Err() != nil {
			err = errors.New("interrupted: log incomplete")
		}
		return traceDone(c, res, err, "standard output")
	}
	// Checked and opened before the run, so a bad --out costs nothing.
	dst, err := openOutput("--out", out)
	if err != nil {
		return err
	}
	defer dst.abort()
	bw := bufio.NewWriterSize(dst.w, 1<<16)
	pick()
	res, err := runTraced(c.Context, ro, argv, bw)
	if err == nil {
		err = bw.Flush()
	}
	if c.Context.Err() != nil {
		err = errors.New("interrupted: no log written")
		if dst.inPlace {
			err = errors.New("interrupted: log incomplete")
		}
	}
	if err == nil {
		err = dst.commit()
	}
	return traceDone(c, res, err, out)
}

// runTraced runs argv and writes its log to w: strace's own, or, with the
// eBPF tracer, its stream of events written in strace's notation (see
// trace.Event.AppendLine), cut at ro.MaxTrace as strace's would be.
func runTraced(ctx context.Context, ro sandbox.RunOptions, argv []string, w io.Writer) (sandbox.RunResult, error) {
	if ro.Tracer != "ebpf" {
		return sandbox.Run(ctx, ro, argv, w)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conv := ebpfevents.NewStream()
	conv.SetStartCwd(sandbox.WorkDir)
	var (
		line      []byte
		n         int64
		truncated bool
		writeErr  error
	)
	ro.Stream = true
	ro.Events = func(ev bpftrace.Event) {
		now := time.Duration(time.Now().UnixMicro()) * time.Microsecond
		conv.Events(ev, now, func(e *trace.Event) {
			if truncated || writeErr != nil {
				return
			}
			line = e.AppendLine(line[:0])
			if n+int64(len(line)) > ro.MaxTrace {
				truncated = true
				cancel()
				return
			}
			n += int64(len(line))
			if _, err := w.Write(line); err != nil {
				writeErr = err
				cancel()
			}
		})
	}
	res, err := sandbox.Run(ctx, ro, argv, io.Discard)
	var ns *sandbox.NotStartedError
	switch {
	case errors.As(err, &ns):
		return res, fmt.Errorf("the command did not start: %s", ns.Reason)
	case writeErr != nil:
		return res, fmt.Errorf("write trace: %w", writeErr)
	case truncated && errors.Is(err, context.Canceled) && parent.Err() == nil:
		err = nil // the cut's own cancelling
	}
	res.Truncated = res.Truncated || truncated
	if err == nil && res.Lost > 0 {
		warnf("%d events were lost (the reader fell behind): the log misses calls", res.Lost)
	}
	return res, err
}

// traceDone reports a finished trace and ends detector with the traced
// command's exit status: its own, 128+n when a signal n killed it, 124 when
// the timeout stopped it (as timeout(1) does), 2 for anything else that cut
// it short. The command's output (bounded) goes to --output-dir, or, each
// line escaped, to stderr.
func traceDone(c *cli.Context, res sandbox.RunResult, err error, dest string) error {
	if err != nil {
		return err
	}
	if dir := c.String("output-dir"); dir != "" {
		for name, data := range map[string][]byte{"stdout.txt": res.Stdout, "stderr.txt": res.Stderr} {
			out, err := openOutput("--output-dir", filepath.Join(dir, name))
			if err != nil {
				return err
			}
			if _, err := out.w.Write(data); err != nil {
				out.abort()
				return fmt.Errorf("--output-dir: %w", err)
			}
			if err := out.commit(); err != nil {
				return fmt.Errorf("--output-dir: %w", err)
			}
		}
	} else {
		showOutput("stdout", res.Stdout)
		showOutput("stderr", res.Stderr)
	}
	note := ""
	if res.TimedOut {
		note += ", timed out"
	}
	if res.Truncated {
		note += ", trace truncated"
	}
	if res.MemoryLimited {
		note += ", memory bound hit"
	}
	fmt.Fprintf(os.Stderr, "detector: traced to %s: exit status %d in %s%s\n", report.Escape(dest), res.ExitCode, res.Duration.Round(1e6), note)
	switch {
	case res.ExitCode == 0:
		return nil
	case res.ExitCode > 0:
		return exitStatus(res.ExitCode)
	case res.TimedOut:
		return exitStatus(124)
	}
	return exitStatus(exitError)
}

// showOutput writes a command's captured output to stderr, each line
// escaped and marked with the stream's name.
func showOutput(stream string, data []byte) {
	if len(data) == 0 {
		return
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		fmt.Fprintf(os.Stderr, "%s: %s\n", stream, report.Escape(l))
	}
}
