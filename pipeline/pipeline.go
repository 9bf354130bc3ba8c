// Package pipeline reads samples for every command: it finds them in paths
// (samples.Collect), reads each one -- an executable is run under the tracer
// in the sandbox with its trace streamed into the parser, a recorded trace
// is replayed, a CSV table is read row by row -- and feeds each sample's
// events, in one pass and in trace order, to the ten statistics and to every
// other consumer the caller asks for. It returns one Sample per sample (a
// CSV table gives one per row) in the order of the walk, whatever the
// number of jobs. Memory per sample is what its consumers keep: the trace
// itself is never held.
//
// The package prints nothing: warnings and progress go to the callbacks in
// Options, and errors carry hints (package hint) for the front end.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"detector/bpftrace"
	"detector/ebpfevents"
	"detector/features"
	"detector/hint"
	"detector/internal/digest"
	"detector/internal/safefile"
	"detector/observe"
	"detector/report"
	"detector/samples"
	"detector/sandbox"
	"detector/trace"
)

// Options say how samples are found and read.
type Options struct {
	Kind samples.Kind
	Arch trace.Arch         // numbering of ADFA-LD traces
	Jobs int                // samples read at once; at least 1
	Run  sandbox.RunOptions // how executables are run
	// Consumers, when set, returns the consumers of one sample's events
	// besides the ten statistics; it is called once per traced sample (not
	// for CSV rows), from the goroutine that reads it.
	Consumers func(src samples.Source) []Consumer
	// Warn receives warnings (skipped files, an unsandboxed run).
	Warn func(format string, args ...any)
	// Sequences asks for each sample's per-process call-name sequences
	// (Sample.Seqs), for sequence detectors; see MaxSequenceCalls.
	Sequences bool
	// Behaviour asks for what each sample's programs did (Sample.Behaviour),
	// for the profile detector; see package observe.
	Behaviour bool
	// Digest keys each executable of the behaviour by its content's
	// SHA-256 (observe.Recorder.Digest), computed of the file at its path
	// when the sample is read: for a profile model keyed by sha256.
	Digest bool
	// Progress, when set, is called after each sample with the number
	// of samples done, the total and the sample's name.
	Progress func(done, total int, name string)
	// Commands are samples given as command lines (--commands FILE, or
	// -- CMD ARGS), after those found in the paths.
	Commands []Command
	// Stdin, when set, is the file every executed sample reads as its
	// standard input (--stdin FILE); otherwise they read nothing.
	Stdin string
	// ChooseTracer, when set, picks Run.Tracer ("strace" or "ebpf") once,
	// when the first executable is about to run, so that a command given
	// only recorded traces never probes for a tracer; an error stops
	// Collect before any sample is read.
	ChooseTracer func() (string, error)

	digests *digest.Cache // with Digest, shared by the run's samples
}

// Command is a program to run with its arguments as one sample.
type Command struct {
	Name string   // the command line as written
	Argv []string // Argv[0] is looked up in PATH as a shell would
}

// A Consumer receives every event of one sample, in trace order. The event
// is valid only during the call (see trace.Event). An error stops the
// sample, which then fails with it.
type Consumer interface {
	Event(e *trace.Event) error
}

// Sample is one read sample, or the reason it could not be read.
type Sample struct {
	Name      string
	Path      string           // the sample's file (an -ff group's first); "" for CSV rows
	Kind      samples.Kind     // what the sample was read as
	Vec       []float64        // the features, in the order of Table.Names
	Seqs      [][]string       // with Options.Sequences: each process's call names, in order of first call
	SeqPIDs   []int            // the pid of each of Seqs (0 for ADFA-LD traces)
	Dropped   int64            // calls left out of Seqs by its bounds
	Behaviour *observe.Sample  // with Options.Behaviour: what its programs did
	Syscalls  map[string]int64 // the call-name histogram; nil for CSV rows
	Run       *report.RunInfo  // set for executed samples
	Err       error
	Consumers []Consumer // the sample's consumers from Options.Consumers, fed
}

// Table is every sample of a command.
type Table struct {
	Names   []string // feature names: features.Names unless CSV said otherwise
	Samples []Sample
	// Tracer is the tracer that ran the executables, "strace" or "ebpf";
	// "" when no executable was given.
	Tracer string
}

// Executed reports whether any sample was run under the tracer.
func (t *Table) Executed() bool {
	return slices.ContainsFunc(t.Samples, func(s Sample) bool { return s.Run != nil })
}

// Kinds names the kinds of input the samples were read as, sorted and
// joined by commas: "exec", "strace,exec", "csv".
func (t *Table) Kinds() string {
	var ks []string
	for _, s := range t.Samples {
		if k := s.Kind.String(); !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}

// Errs returns the samples that failed.
func (t *Table) Errs() []Sample {
	var out []Sample
	for _, s := range t.Samples {
		if s.Err != nil {
			out = append(out, s)
		}
	}
	return out
}

// ErrInterrupted is returned by Collect when ctx was cancelled.
var ErrInterrupted = errors.New("interrupted")

// Collect walks paths and reads every sample in them, o.Jobs at a time,
// keeping the walk's order. Unrecognized files are skipped with a warning.
func Collect(ctx context.Context, paths []string, o Options) (*Table, error) {
	if o.Digest && o.digests == nil {
		o.digests = &digest.Cache{}
	}
	warnf := o.Warn
	if warnf == nil {
		warnf = func(string, ...any) {}
	}
	var srcs []samples.Source
	if len(paths) > 0 {
		var skipped []error
		var err error
		srcs, skipped, err = samples.Collect(paths, o.Kind)
		if err != nil {
			return nil, err
		}
		for _, s := range skipped {
			warnf("%v", s) // "skip PATH: reason"
		}
		if len(srcs) == 0 && len(o.Commands) == 0 {
			return nil, hint.Wrap(fmt.Errorf("no samples found in %s", quoteList(paths)),
				"give executables, strace logs, ADFA-LD traces or .csv feature tables (see --input)")
		}
	}
	for _, c := range o.Commands {
		srcs = append(srcs, commandSource(c))
	}
	if len(srcs) == 0 {
		return nil, hint.Wrap(errors.New("no samples given"), "give PATHs, --commands FILE or -- CMD ARGS")
	}
	executes := slices.ContainsFunc(srcs, func(s samples.Source) bool { return s.Kind == samples.KindExec && s.Err == nil })
	if executes && o.ChooseTracer != nil {
		tracer, err := o.ChooseTracer()
		if err != nil {
			return nil, err
		}
		o.Run.Tracer = tracer
	}
	if executes {
		if _, err := exec.LookPath("strace"); err != nil && o.Run.Tracer != "ebpf" {
			return nil, sandbox.ErrNoStrace
		}
		if o.Run.NoSandbox {
			warnf("--no-sandbox: executables run WITHOUT isolation, with your privileges")
		} else if err := sandbox.Check(); err != nil {
			return nil, err
		} else {
			WarnKeptGroups(warnf)
		}
		WarnMemoryBound(warnf)
	}

	results := make([][]Sample, len(srcs))
	var csvNames []string
	var mu sync.Mutex
	done := 0
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(o.Jobs, len(srcs))) {
		wg.Go(func() {
			for i := range work {
				src := srcs[i]
				if src.Err != nil {
					// Unreadable: an error for this sample, never a skip.
					results[i] = []Sample{{Name: src.Name, Err: src.Err, Kind: src.Kind}}
				} else if src.Kind == samples.KindCSV {
					tab, err := readCSV(src.Paths[0])
					if err != nil {
						results[i] = []Sample{{Name: src.Name, Err: err, Kind: samples.KindCSV}}
					} else {
						mu.Lock()
						if csvNames == nil {
							csvNames = tab.Names
						} else if !slices.Equal(csvNames, tab.Names) {
							err = fmt.Errorf("%s: its features %v differ from the other tables' %v", src.Name, tab.Names, csvNames)
						}
						mu.Unlock()
						for j, row := range tab.Rows {
							results[i] = append(results[i], Sample{Name: tab.Samples[j], Vec: row, Err: err, Kind: samples.KindCSV})
						}
					}
				} else {
					results[i] = []Sample{readSample(ctx, src, o)}
				}
				if o.Progress != nil {
					mu.Lock()
					done++
					o.Progress(done, len(srcs), src.Name)
					mu.Unlock()
				}
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
	if ctx.Err() != nil {
		return nil, ErrInterrupted
	}

	t := &Table{Names: features.Names}
	if executes {
		t.Tracer = o.Run.Tracer
		if t.Tracer == "" {
			t.Tracer = "strace"
		}
	}
	if csvNames != nil {
		mixed := slices.ContainsFunc(srcs, func(s samples.Source) bool { return s.Kind != samples.KindCSV && s.Err == nil })
		if mixed && !slices.Equal(csvNames, features.Names) {
			return nil, fmt.Errorf("feature tables with columns %v cannot be mixed with traces, whose features are %v", csvNames, features.Names)
		}
		t.Names = csvNames
	}
	for _, r := range results {
		t.Samples = append(t.Samples, r...)
	}
	return t, nil
}

// readCSV reads a feature table; safefile.Open refuses at once a path
// that is no longer a regular file.
func readCSV(path string) (*features.Table, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > features.MaxCSVBytes {
		return nil, fmt.Errorf("%s: %w: %d MiB, more than %d MiB", path, features.ErrCSVTooLarge, (fi.Size()+(1<<20)-1)>>20, features.MaxCSVBytes>>20)
	}
	t, err := features.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// readSample featurizes one trace: a recorded one is replayed, an
// executable is run under the tracer with its output streamed into the
// parser, so that a trace is never held in memory or on disk.
func readSample(ctx context.Context, src samples.Source, o Options) Sample {
	s := Sample{Name: src.Name, Kind: src.Kind}
	if len(src.Paths) > 0 {
		s.Path = src.Paths[0]
	}
	var c features.Counter
	var rec *sequences
	if o.Sequences {
		rec = &sequences{}
	}
	if o.Consumers != nil {
		s.Consumers = o.Consumers(src)
	}
	var beh *observe.Recorder
	if o.Behaviour {
		beh = &observe.Recorder{}
		if o.Digest {
			beh.Digest = o.digests.SHA256
		}
	}
	// With the eBPF tracer the kernel counts the calls; the events feed
	// the other consumers only.
	kernel := src.Kind == samples.KindExec && o.Run.Tracer == "ebpf"
	add := func(e *trace.Event) error {
		if e.Kind == trace.EventCall && !kernel {
			c.Add(e.Call.Name)
		}
		if rec != nil {
			rec.add(e)
		}
		if beh != nil {
			beh.Event(e)
		}
		for _, x := range s.Consumers {
			if err := x.Event(e); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	var st trace.Stats
	var kc *kernelCount
	if kernel && len(s.Consumers) == 0 && rec == nil && beh == nil {
		add = nil // the kernel's counts are all there is to read: no events
	}
	if src.Kind == samples.KindExec && src.Argv != nil {
		s.Run, st, kc, err = runSample(ctx, src.Argv, o, add)
	} else if src.Kind == samples.KindExec {
		path, cleanup, cerr := executableCopy(src.Paths[0])
		if cerr != nil {
			err = cerr
		} else {
			s.Run, st, kc, err = runSample(ctx, execArgv(path), o, add)
			cleanup()
		}
	} else {
		st, err = samples.ReplayEventsMax(src, o.Arch, o.Run.MaxTrace, add)
	}
	if err == nil && kernel && kc != nil {
		var k *features.Counter
		if k, err = features.CounterOf(kc.hist, kc.transitions); err == nil {
			c = *k
		}
	}
	if err == nil {
		s.Vec, err = c.Vector()
		s.Syscalls = c.Histogram()
		if rec != nil {
			s.Seqs, s.SeqPIDs, s.Dropped = rec.seqs, rec.pids, rec.dropped
		}
		if beh != nil {
			s.Behaviour = beh.Sample()
		}
		if errors.Is(err, features.ErrNoCalls) && st.Skipped > 0 {
			err = fmt.Errorf("%w: none of its %d lines is one; is it really %s?", err, st.Lines, kindArticle(src.Kind))
		}
	}
	if err != nil {
		s.Err = fmt.Errorf("%s: %w", src.Name, err)
	}
	return s
}

// evasionCalls are the calls the eBPF tracer describes for a run whose
// events nobody else reads: those trace.Evasion names that the sandbox
// refuses (io_uring's, ptrace), besides the i386 calls and clones it
// refuses, which are described whatever the tracer is asked.
var evasionCalls = []string{"io_uring_setup", "io_uring_enter", "io_uring_register", "ptrace"}

// runEBPF runs argv under the eBPF tracer: the described calls feed add,
// in the order the kernel saw them; the counts are the kernel's (Sample
// counts, transitions). The attempts to evade the tracer are named in
// the run's evasion report as under strace (trace.Evasion): add nil, the
// tracer describes only the calls that can be one. The first consumer
// error stops nothing (the run is short) but is returned.
func runEBPF(ctx context.Context, argv []string, o Options, add func(*trace.Event) error) (*report.RunInfo, trace.Stats, *kernelCount, error) {
	ro := o.Run
	if o.Stdin != "" {
		f, err := safefile.Open(o.Stdin)
		if err != nil {
			return nil, trace.Stats{}, nil, fmt.Errorf("--stdin: %w", err)
		}
		defer f.Close()
		ro.Stdin = f
	}
	// Sequence models read every call: the tracer sends them all.
	ro.Stream = ro.Stream || o.Sequences || o.Behaviour
	if add == nil {
		// Nobody reads the events but the evasion report: no stream.
		ro.EventCalls, ro.Stream = evasionCalls, false
	}
	conv := ebpfevents.New()
	if ro.Stream {
		conv = ebpfevents.NewStream()
	}
	conv.SetStartCwd(sandbox.WorkDir)
	var st trace.Stats
	var addErr error
	// Attempts to evade the tracer, each kind named once.
	var evasion []string
	ro.Events = func(ev bpftrace.Event) {
		now := time.Duration(time.Now().UnixMicro()) * time.Microsecond
		conv.Events(ev, now, func(e *trace.Event) {
			call := e.Kind == trace.EventCall
			if call {
				if name := trace.Evasion(e.Call); name != "" && !slices.Contains(evasion, name) {
					evasion = append(evasion, name)
				}
			}
			if add == nil {
				return
			}
			if call {
				st.Calls++
			}
			if err := add(e); err != nil && addErr == nil {
				addErr = err
			}
		})
	}
	r, err := sandbox.Run(ctx, ro, argv, io.Discard)
	var ns *sandbox.NotStartedError
	if errors.As(err, &ns) {
		return nil, st, nil, fmt.Errorf("the sample did not start: %s", ns.Reason)
	}
	if err != nil {
		return nil, st, nil, err
	}
	if addErr != nil {
		return nil, st, nil, addErr
	}
	info := &report.RunInfo{
		ExitCode:      r.ExitCode,
		TimedOut:      r.TimedOut,
		Stdout:        string(r.Stdout),
		Stderr:        string(r.Stderr),
		Seconds:       r.Duration.Round(time.Millisecond).Seconds(),
		MemoryLimited: r.MemoryLimited,
		Lost:          r.Lost,
		Evasion:       evasion,
	}
	return info, st, &kernelCount{r.Counts, r.Transitions}, nil
}

// kernelCount is what the kernel counted of a run (the eBPF tracer).
type kernelCount struct {
	hist        map[string]int64
	transitions int64
}

// commandSource makes the sample of a command line, its program looked
// up in PATH as a shell would; a program that cannot be found makes a
// sample that is an error.
func commandSource(c Command) samples.Source {
	src := samples.Source{Name: c.Name, Kind: samples.KindExec}
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		src.Err = errors.New("empty command")
		return src
	}
	path, err := exec.LookPath(c.Argv[0])
	if err == nil {
		path, err = filepath.Abs(path)
	}
	if err != nil {
		src.Err = fmt.Errorf("%s: %w", c.Name, err)
		return src
	}
	src.Paths = []string{path}
	src.Argv = append([]string{path}, c.Argv[1:]...)
	return src
}

func runSample(ctx context.Context, argv []string, o Options, add func(*trace.Event) error) (*report.RunInfo, trace.Stats, *kernelCount, error) {
	ro := o.Run
	if ro.Tracer == "ebpf" {
		return runEBPF(ctx, argv, o, add)
	}
	if o.Stdin != "" {
		f, err := safefile.Open(o.Stdin) // a regular file only: a FIFO could be read once
		if err != nil {
			return nil, trace.Stats{}, nil, fmt.Errorf("--stdin: %w", err)
		}
		defer f.Close()
		ro.Stdin = f
	}
	// Attempts to evade the tracer, each kind named once.
	var evasion []string
	addAll := add
	add = func(e *trace.Event) error {
		if e.Kind == trace.EventCall {
			if ev := trace.Evasion(e.Call); ev != "" && !slices.Contains(evasion, ev) {
				evasion = append(evasion, ev)
			}
		}
		return addAll(e)
	}
	pr, pw := io.Pipe()
	type done struct {
		res sandbox.RunResult
		err error
	}
	ch := make(chan done, 1)
	go func() {
		res, err := sandbox.Run(ctx, ro, argv, pw)
		pw.CloseWithError(err) // nil: the reader sees EOF
		ch <- done{res, err}
	}()
	// The first call of a run is the tracer's execve of the sample. If it
	// failed, the sample never ran: what was traced is the tracer's own
	// failure, not the sample's behaviour.
	var notStarted error
	first := true
	st, perr := trace.ParseEvents(pr, func(e *trace.Event) error {
		if first && e.Kind == trace.EventCall {
			first = false
			if c := e.Call; (c.Name == "execve" || c.Name == "execveat") && c.RetKnown && c.Ret < 0 {
				notStarted = errNotStarted(c.Errno)
			}
		}
		return add(e)
	})
	// A parse error stops the run: the tracer's next write fails.
	pr.CloseWithError(errParseStopped)
	d := <-ch
	if d.err != nil {
		return nil, st, nil, d.err
	}
	if perr != nil {
		return nil, st, nil, perr
	}
	if notStarted != nil {
		return nil, st, nil, notStarted
	}
	r := d.res
	return &report.RunInfo{
		ExitCode:  r.ExitCode,
		TimedOut:  r.TimedOut,
		Truncated: r.Truncated,
		Stdout:    string(r.Stdout),
		Stderr:    string(r.Stderr),
		Seconds:   r.Duration.Round(time.Millisecond).Seconds(),
		Evasion:   evasion,

		MemoryLimited: r.MemoryLimited,
	}, st, nil, nil
}

var memoryBoundOnce sync.Once

// WarnMemoryBound warns, once per process, when runs cannot be bounded in
// total memory here.
func WarnMemoryBound(warnf func(string, ...any)) {
	memoryBoundOnce.Do(func() {
		if err := sandbox.CheckMemoryBound(); err != nil {
			warnf("%v", err)
		}
	})
}

var keptGroupsOnce sync.Once

// WarnKeptGroups warns, once per process, when sandboxed programs keep the
// caller's supplementary groups (see sandbox.KeptGroups).
func WarnKeptGroups(warnf func(string, ...any)) {
	keptGroupsOnce.Do(func() {
		g := sandbox.KeptGroups()
		if len(g) == 0 {
			return
		}
		names := make([]string, len(g))
		for i, id := range g {
			names[i] = strconv.Itoa(id)
			if gr, err := user.LookupGroupId(names[i]); err == nil {
				names[i] = gr.Name
			}
		}
		warnf("the sandbox cannot drop your supplementary groups (%s) without root: samples can use what they grant", strings.Join(names, ", "))
	})
}

// executableCopy returns path when its file may be executed, else (an ELF
// file without the execute bit, as malware pulled out of an archive is)
// the path of a private executable copy in a fresh 0700 folder, and the
// function that removes it. The user's file is never changed.
func executableCopy(path string) (string, func(), error) {
	f, err := safefile.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", nil, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if fi.Mode()&0o111 != 0 || !bytes.Equal(head[:n], []byte("\x7fELF")) {
		return path, func() {}, nil // a script without the bit fails to start, with the reason
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "detector-exec-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	cp := filepath.Join(dir, filepath.Base(path))
	out, err := os.OpenFile(cp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err == nil {
		_, err = io.Copy(out, f)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("executable copy of %s: %w", path, err)
	}
	return cp, cleanup, nil
}

// execArgv is how a sample is started: directly when it is an ELF file or
// a "#!" script or not text, else (a shell script without "#!", taken as an
// executable with --input exec) by /bin/sh, as a shell would run it.
func execArgv(path string) []string {
	f, err := safefile.Open(path)
	if err != nil {
		return []string{path} // the run reports why it did not start
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if h := head[:n]; bytes.HasPrefix(h, []byte("\x7fELF")) || bytes.HasPrefix(h, []byte("#!")) || !utf8.Valid(h) || bytes.IndexByte(h, 0) >= 0 {
		return []string{path}
	}
	return []string{"/bin/sh", path}
}

// errNotStarted says why the tracer could not execute a sample, from the
// errno of its failed execve.
func errNotStarted(errno string) error {
	why := errno
	switch errno {
	case "EACCES":
		why = "permission denied (no execute permission, or a noexec mount)"
	case "ENOEXEC":
		why = "exec format error (not a binary for this machine, or a script without #!)"
	case "ENOENT":
		why = "no such file (or its #! interpreter or loader is missing)"
	case "":
		why = "unknown error"
	}
	return fmt.Errorf("the sample did not start: execve failed: %s", why)
}

var errParseStopped = errors.New("trace parser stopped")

func quoteList(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return fmt.Sprintf("%d paths", len(paths))
}

func kindArticle(k samples.Kind) string {
	switch k {
	case samples.KindStrace:
		return "an strace log"
	case samples.KindADFA:
		return "an ADFA-LD trace"
	}
	return "a " + k.String() + " sample"
}
