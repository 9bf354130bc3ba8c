package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"detector/hint"
	"detector/pipeline"
	"detector/samples"
	"detector/sandbox"
	"detector/trace"
)

// sampleOptions gathers the flags that say how to read samples.
func sampleOptions(c *cli.Context) (pipeline.Options, error) {
	o := pipeline.Options{Jobs: c.Int("jobs"), Warn: warnf}
	var err error
	if o.Kind, err = samples.ParseKind(c.String("input")); err != nil {
		return o, withHint(err, "--input takes auto, exec, strace, adfa or csv")
	}
	if o.Arch, err = trace.ParseArch(c.String("arch")); err != nil {
		return o, withHint(err, "--arch takes i386 or x86_64")
	}
	if o.Jobs < 1 {
		return o, fmt.Errorf("--jobs must be at least 1, not %d", o.Jobs)
	}
	if o.Run, err = runOptions(c); err != nil {
		return o, err
	}
	if o.Run.Tracer, o.ChooseTracer, err = resolveTracer(c); err != nil {
		return o, err
	}
	if err := addCommands(c, &o); err != nil {
		return o, err
	}
	return o, nil
}

// parseMemory reads --max-memory: a size of at least sandbox.MinMaxMemory.
func parseMemory(s string) (int64, error) {
	n, err := parseSize(s)
	if err != nil {
		return 0, fmt.Errorf("--max-memory: %w", err)
	}
	if n < sandbox.MinMaxMemory {
		return 0, fmt.Errorf("--max-memory: %s is below the minimum of %dMiB", s, sandbox.MinMaxMemory>>20)
	}
	return n, nil
}

// parseSize reads a byte count such as 4096, 64KiB, 256MiB or 1GiB.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (like 4096, 64KiB, 256MiB)", s)
	}
	return n * mult, nil
}

// checkPaths refuses flags given after the paths: the flag parser stops at
// the first path, so "detect DIR --output json" would treat --output as a
// path.
func checkPaths(c *cli.Context, cmd string, args []string) error {
	if len(args) == 0 && !hasCommands(c) {
		return withHint(fmt.Errorf("%s needs at least one PATH, --commands FILE or -- CMD ARGS", cmd), fmt.Sprintf("run 'detector %s --help' for usage", cmd))
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			return withHint(fmt.Errorf("flag %s after the paths", a), fmt.Sprintf("put flags before the paths: detector %s [flags] PATH...", cmd))
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a != "-" })); n > 1 {
		return withHint(errors.New("standard input (-) given twice"), "give - once")
	}
	return nil
}

// collect reads the samples in paths with a progress bar on stderr when
// stderr is a terminal.
//
// A path "-" is standard input, copied to a private file first (see
// spoolStdin) and named stdinName.
func collect(ctx context.Context, paths []string, o pipeline.Options) (t *pipeline.Table, err error) {
	paths = slices.Clone(paths)
	for i, p := range paths {
		if p != "-" {
			continue
		}
		spool, serr := spoolStdin()
		if serr != nil {
			return nil, serr
		}
		paths[i] = spool
		// Messages name the sample as people gave it.
		warn := o.Warn
		if warn == nil {
			warn = warnf
		}
		o.Warn = func(format string, args ...any) {
			warn("%s", strings.ReplaceAll(fmt.Sprintf(format, args...), spool, stdinName))
		}
		defer func() {
			if err != nil && strings.Contains(err.Error(), spool) {
				err = hint.Wrap(errors.New(strings.ReplaceAll(err.Error(), spool, stdinName)), hint.Of(err))
			}
		}()
	}
	bar := newProgress(os.Stderr, stderrIsTerminal())
	o.Progress = bar.step
	t, err = pipeline.Collect(ctx, paths, o)
	bar.done()
	if t != nil {
		for i, s := range t.Samples {
			if isSpool(s.Path) {
				t.Samples[i].Name = stdinName
				if s.Err != nil {
					t.Samples[i].Err = errors.New(strings.ReplaceAll(s.Err.Error(), s.Path, stdinName))
				}
			}
		}
	}
	return t, err
}

// errInterrupted is collect's error when Ctrl+C or SIGTERM stopped it.
var errInterrupted = pipeline.ErrInterrupted

// allFailed reports a run in which no sample could be read.
func allFailed(bad []pipeline.Sample) error {
	if len(bad) == 1 {
		return bad[0].Err
	}
	return failed(bad, "none of the %d samples could be read", len(bad))
}

// failed reports samples that could not be used: every error but the
// first becomes a warning, and the first ends the message, which is
// format and args followed by "; first: <error>".
func failed(bad []pipeline.Sample, format string, args ...any) error {
	for _, s := range bad[1:] {
		warnf("%v", s.Err)
	}
	return fmt.Errorf(format+"; first: %w", append(args, bad[0].Err)...)
}
