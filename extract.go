package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"detector/features"
	"detector/report"
	"detector/trace"
)

// extractOptions say how samples are found and read.
type extractOptions struct {
	kind     trace.Kind
	arch     trace.Arch
	jobs     int
	run      trace.RunOptions
	progress bool // draw a progress bar on stderr
}

// sample is one featurized sample, or the reason it could not be.
type sample struct {
	name     string
	vec      []float64
	syscalls map[string]int64 // nil for CSV rows
	run      *report.RunInfo
	err      error
}

// table is the result of reading every sample of a command.
type table struct {
	names   []string // feature names: features.Names unless CSV said otherwise
	samples []sample
}

// errs returns the samples that failed.
func (t *table) errs() []sample {
	var out []sample
	for _, s := range t.samples {
		if s.err != nil {
			out = append(out, s)
		}
	}
	return out
}

// collect walks paths and reads every sample in them, jobs at a time,
// keeping the walk's order. Unrecognized files are skipped with a warning.
func collect(ctx context.Context, paths []string, o extractOptions) (*table, error) {
	srcs, skipped, err := trace.Collect(paths, o.kind)
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		warnf("skipped %v", s)
	}
	if len(srcs) == 0 {
		return nil, withHint(fmt.Errorf("no samples found in %s", quoteList(paths)),
			"give executables, strace logs, ADFA-LD traces or .csv feature tables (see --input)")
	}
	if slices.ContainsFunc(srcs, func(s trace.Source) bool { return s.Kind == trace.KindExec }) {
		if _, err := exec.LookPath("strace"); err != nil {
			return nil, trace.ErrNoStrace
		}
		if o.run.NoSandbox {
			warnf("--no-sandbox: executables run WITHOUT isolation, with your privileges")
		} else if err := trace.CheckSandbox(); err != nil {
			return nil, err
		}
		warnMemoryBound()
	}

	results := make([][]sample, len(srcs))
	var csvNames []string
	var mu sync.Mutex
	bar := newProgress(os.Stderr, len(srcs), o.progress)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(o.jobs, len(srcs)) {
		wg.Go(func() {
			for i := range work {
				src := srcs[i]
				if src.Kind == trace.KindCSV {
					tab, err := readCSV(src.Paths[0])
					if err != nil {
						results[i] = []sample{{name: src.Name, err: err}}
					} else {
						mu.Lock()
						if csvNames == nil {
							csvNames = tab.Names
						} else if !slices.Equal(csvNames, tab.Names) {
							err = fmt.Errorf("%s: its features %v differ from the other tables' %v", src.Name, tab.Names, csvNames)
						}
						mu.Unlock()
						for j, row := range tab.Rows {
							results[i] = append(results[i], sample{name: tab.Samples[j], vec: row, err: err})
						}
					}
				} else {
					results[i] = []sample{readSample(ctx, src, o)}
				}
				bar.step(src.Name)
			}
		})
	}
feed:
	for i := range srcs {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	bar.done()
	if ctx.Err() != nil {
		return nil, errInterrupted
	}

	t := &table{names: features.Names}
	if csvNames != nil {
		mixed := slices.ContainsFunc(srcs, func(s trace.Source) bool { return s.Kind != trace.KindCSV })
		if mixed && !slices.Equal(csvNames, features.Names) {
			return nil, fmt.Errorf("feature tables with columns %v cannot be mixed with traces, whose features are %v", csvNames, features.Names)
		}
		t.names = csvNames
	}
	for _, r := range results {
		t.samples = append(t.samples, r...)
	}
	return t, nil
}

func readCSV(path string) (*features.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := features.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// readSample featurizes one trace: a recorded one is replayed, an
// executable is run under the tracer with its output streamed into the
// parser, so that a trace is never held in memory or on disk.
func readSample(ctx context.Context, src trace.Source, o extractOptions) sample {
	s := sample{name: src.Name}
	var c features.Counter
	add := func(call *trace.Call) error {
		c.Add(call.Name)
		return nil
	}
	var err error
	var st trace.Stats
	if src.Kind == trace.KindExec {
		s.run, st, err = runSample(ctx, src.Paths[0], o.run, add)
	} else {
		st, err = trace.Replay(src, o.arch, add)
	}
	if err == nil {
		s.vec, err = c.Vector()
		s.syscalls = c.Histogram()
		if errors.Is(err, features.ErrNoCalls) && st.Skipped > 0 {
			err = fmt.Errorf("%w: none of its %d lines is one; is it really %s?", err, st.Lines, kindArticle(src.Kind))
		}
	}
	if err != nil {
		s.err = fmt.Errorf("%s: %w", src.Name, err)
	}
	return s
}

func runSample(ctx context.Context, path string, ro trace.RunOptions, add func(*trace.Call) error) (*report.RunInfo, trace.Stats, error) {
	pr, pw := io.Pipe()
	type done struct {
		res trace.RunResult
		err error
	}
	ch := make(chan done, 1)
	go func() {
		res, err := trace.Run(ctx, ro, []string{path}, pw)
		pw.CloseWithError(err) // nil: the reader sees EOF
		ch <- done{res, err}
	}()
	st, perr := trace.ParseStrace(pr, add)
	// A parse error stops the run: the tracer's next write fails.
	pr.CloseWithError(errParseStopped)
	d := <-ch
	if d.err != nil {
		return nil, st, d.err
	}
	if perr != nil {
		return nil, st, perr
	}
	r := d.res
	return &report.RunInfo{
		ExitCode:      r.ExitCode,
		TimedOut:      r.TimedOut,
		Truncated:     r.Truncated,
		MemoryLimited: r.MemoryLimited,
		Stdout:        string(r.Stdout),
		Stderr:        string(r.Stderr),
		Seconds:       r.Duration.Round(time.Millisecond).Seconds(),
	}, st, nil
}

// warnMemoryBound warns, once per process, when runs cannot be bounded in
// total memory here.
var warnMemoryBound = sync.OnceFunc(func() {
	if err := trace.CheckMemoryBound(); err != nil {
		warnf("%v", err)
	}
})

var (
	errParseStopped = errors.New("trace parser stopped")
	errInterrupted  = errors.New("interrupted")
)

func quoteList(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return fmt.Sprintf("%d paths", len(paths))
}

func kindArticle(k trace.Kind) string {
	switch k {
	case trace.KindStrace:
		return "an strace log"
	case trace.KindADFA:
		return "an ADFA-LD trace"
	}
	return "a " + k.String() + " sample"
}
