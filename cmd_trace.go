package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"detector/trace"
)

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "run one command in the sandbox and write its strace log (for building training corpora)",
		ArgsUsage: "-- CMD [ARGS...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Value: "-", Usage: "write the log to `FILE` (- for standard output)"},
			&cli.DurationFlag{Name: "timeout", Value: defaultTimeout, Usage: "wall-clock limit for the run"},
			&cli.StringFlag{Name: "max-trace", Value: "256MiB", Usage: "stop the run when its trace exceeds `SIZE`"},
			&cli.StringFlag{Name: "max-memory", Value: "2GiB", Usage: "bound the memory of the run, all its processes together, to `SIZE`"},
			&cli.BoolFlag{Name: "no-sandbox", Usage: "run WITHOUT isolation (only for programs you trust)"},
		},
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
	ro := trace.RunOptions{Timeout: c.Duration("timeout"), NoSandbox: c.Bool("no-sandbox")}
	if ro.Timeout <= 0 {
		return fmt.Errorf("--timeout must be positive, not %s", ro.Timeout)
	}
	if ro.MaxTrace, err = parseSize(c.String("max-trace")); err != nil {
		return fmt.Errorf("--max-trace: %w", err)
	}
	if ro.MaxMemory, err = parseMemory(c.String("max-memory")); err != nil {
		return err
	}
	if ro.NoSandbox {
		warnf("--no-sandbox: the command runs WITHOUT isolation, with your privileges")
	}
	warnMemoryBound()

	out := c.String("out")
	if out == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 1<<16)
		res, err := trace.Run(c.Context, ro, argv, bw)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		return traceDone(res, err, "standard output")
	}
	// Write next to the destination and rename when complete, so an
	// interrupted run leaves no half-written log under that name.
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	bw := bufio.NewWriterSize(tmp, 1<<16)
	res, err := trace.Run(c.Context, ro, argv, bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && c.Context.Err() != nil {
		err = fmt.Errorf("interrupted: no log written")
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	return traceDone(res, err, out)
}

func traceDone(res trace.RunResult, err error, dest string) error {
	if err != nil {
		return err
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
	fmt.Fprintf(os.Stderr, "detector: traced to %s: exit status %d in %s%s\n", dest, res.ExitCode, res.Duration.Round(1e6), note)
	return nil
}
