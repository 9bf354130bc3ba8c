package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/ebpfevents"
	"detector/internal/safefile"
	"detector/sandbox/internal/initproc"
)

// Defaults of RunOptions.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultMaxTrace  = 256 << 20 // bytes
	DefaultMaxOutput = 64 << 10  // bytes
	DefaultMaxMemory = 2 << 30   // bytes
	MinMaxMemory     = 16 << 20  // bytes: the least MaxMemory a run starts with
)

// RunOptions configure Run. Zero values select the defaults.
type RunOptions struct {
	// Timeout is the wall-clock limit of a run (default 10s). When it fires
	// every process of the run is killed, the trace so far is kept and
	// RunResult.TimedOut is set.
	Timeout time.Duration
	// MaxTrace caps the bytes of strace output passed on (default 256 MiB).
	// When it is reached the run is stopped and RunResult.Truncated is set.
	MaxTrace int64
	// MaxOutput is the number of bytes kept of the program's stdout and,
	// separately, of its stderr (default 64 KiB); the rest is read and
	// dropped.
	MaxOutput int
	// NoSandbox runs plain strace without isolation: no namespaces and no
	// read-only host, but the same timeout, trace cap, resource limits and
	// no_new_privs. The program runs as the caller, in a temporary working
	// folder removed afterwards.
	NoSandbox bool
	// MaxMemory bounds the memory of the run as a whole (default 2 GiB):
	// every process, tmpfs file and memfd of the run, strace included, with
	// no swap. A process of the run is killed when the bound cannot be kept,
	// and RunResult.MemoryLimited is set. The bound needs a cgroup this
	// process may manage (see CheckMemoryBound); without one, only each
	// process's address space is limited.
	MaxMemory int64
	// StraceArgs are extra strace flags, placed after the runner's own
	// "-f -q -s 256 -o /proc/self/fd/3" and before "--".
	StraceArgs []string
	// Tracer is "ebpf" to trace with the eBPF tracer instead of strace:
	// the program runs as the sandbox init's child, the kernel counts the
	// calls of every process of the run (RunResult.Counts) and Events
	// receives the events of the calls it describes (see package
	// bpftrace); nothing is written to the trace writer. Needs root, or
	// CAP_BPF and CAP_PERFMON, and the sandbox (not NoSandbox).
	Tracer string
	Events func(bpftrace.Event)
	// Stream, with Tracer "ebpf" and Events, makes every call of the run
	// an event, with its return value (bpftrace.Config.Stream; the calls
	// of ebpfevents.StreamCalls with their arguments): the whole stream,
	// as strace would see it, for sequence models and logs. It costs an
	// event per call.
	Stream bool
	// EventCalls, with Tracer "ebpf" and Events, names the calls whose
	// events Events receives (bpftrace.Config.Calls) instead of
	// ebpfevents.SampleCalls (StreamCalls in stream mode); every i386
	// call and clone the sandbox refuses is described whatever it names.
	EventCalls []string
	// untraced runs the program in the sandbox as the eBPF tracer's runs
	// do, without any tracer: the baseline of the tracers' benchmarks.
	untraced bool
	// ringSize, when set, is the eBPF tracer's ring (tests: a tiny ring
	// loses events).
	ringSize int
	// Stdin, when set, is copied into the program's standard input, a pipe
	// (the sandbox never gets a descriptor of the caller's file); nil
	// means /dev/null. Copying stops when the run ends, whether or not the
	// program read everything.
	Stdin io.Reader
}

// RunResult describes a finished run.
type RunResult struct {
	// ExitCode is the program's exit status, 128+n when the program was
	// killed by signal n, and -1 when the run was killed (timeout, trace cap,
	// cancellation) or the status is unknown.
	ExitCode int
	// TimedOut is set when RunOptions.Timeout fired.
	TimedOut bool
	// Truncated is set when RunOptions.MaxTrace was reached.
	Truncated bool
	// Stdout and Stderr hold up to RunOptions.MaxOutput bytes of what the
	// program wrote. Stderr also carries strace's own messages.
	Stdout, Stderr []byte
	// Duration is the wall-clock time from start to the end of the last
	// process of the run.
	Duration time.Duration
	// MemoryLimited is set when the run hit RunOptions.MaxMemory: the kernel
	// killed a process of the run, or refused it memory, to keep the bound.
	MemoryLimited bool
	// PeakMemory is the most memory the run held at once, in bytes, as its
	// cgroup counted it; 0 when the run had no cgroup.
	PeakMemory int64
	// With the eBPF tracer: the call-name histogram of every process of
	// the run as strace -f counts them (the init's child from its execve
	// of the program on, the others from their start); the adjacent pairs
	// of different calls within each process, summed; and the events that
	// found the ring full.
	Counts      map[string]int64
	Transitions int64
	Lost        uint64
}

// NotStartedError is Run's error when the program could not be started
// (with the eBPF tracer; under strace a failed start is the trace's first
// execve).
type NotStartedError struct{ Reason string }

func (e *NotStartedError) Error() string { return "the sample did not start: " + e.Reason }

// countSum adds up the counts of a run's processes.
type countSum struct {
	mu          sync.Mutex
	hist        map[string]int64
	transitions int64
}

func (s *countSum) add(c bpftrace.Counts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hist == nil {
		s.hist = map[string]int64{}
	}
	for n, k := range c.Names {
		s.hist[n] += int64(k)
	}
	s.transitions += int64(c.Transitions)
}

// eventCalls are the calls the eBPF tracer describes: none without an
// Events receiver, EventCalls when set, ebpfevents.SampleCalls, or
// StreamCalls in stream mode.
func (o RunOptions) eventCalls() []string {
	switch {
	case o.Events == nil:
		return []string{}
	case o.EventCalls != nil:
		return o.EventCalls
	case o.Stream:
		return ebpfevents.StreamCalls
	}
	return ebpfevents.SampleCalls
}

// WorkDir is the folder where a program run in the sandbox starts, in
// the sandbox's view of the file system.
const WorkDir = initproc.ScratchDir

// ErrNoStrace is returned by Run when strace is not installed.
var ErrNoStrace = errors.New("strace not found in PATH (install it with apt-get install strace)")

// SandboxError is returned by Run and Check when isolation cannot be
// set up on this machine.
type SandboxError struct {
	Reason string // what failed, e.g. "create namespaces: operation not permitted"
}

func (e *SandboxError) Error() string {
	return "set up sandbox: " + e.Reason
}

// TraceOptions are the strace options that say what a run's trace
// records, besides following forks (-f), leaving out attach and detach
// messages (-q; exit lines stay: "+++ exited with 0 +++") and writing to a
// dedicated descriptor: timestamps in seconds since the epoch with
// microseconds (-ttt), the paths, socket addresses and device numbers
// behind descriptors (-yy), whole argument and environment vectors and
// structures (-v), and up to 256 bytes of each string (-s 256). Models
// keep the options their training traces were recorded with.
const TraceOptions = "-ttt -yy -v -s 256"

// traceOptions are TraceOptions as arguments; the benchmarks that measure
// their cost swap them.
var traceOptions = strings.Fields(TraceOptions)

// straceFlags returns the flags always passed to strace. -n prints each
// call's number beside its name: a call a 64-bit program makes through the
// i386 entry point (int $0x80) has its i386 name and number ("[   5]
// open"), which is how the parser tells it (trace.Call.Compat); strace's
// own note of the switch ("runs in 32 bit mode") goes to its stderr, and
// not under -q.
func straceFlags() []string {
	return append(append([]string{"-f", "-q", "-n"}, traceOptions...), "-o", "/proc/self/fd/3")
}

// Run executes argv under strace -f, inside the sandbox described in this
// package unless opts.NoSandbox is set, and streams strace's raw output into
// w as it comes. argv[0] is the path of the file to run; a relative path is
// taken relative to the caller's working directory. The program's stdin is
// /dev/null unless opts.Stdin is set.
//
// Run returns when every process of the run is gone. Cancelling ctx kills
// them all at once; Run then returns the partial result and ctx's error. Any
// other error means the run could not be set up: ErrNoStrace, a
// *SandboxError, or an error naming the program. An error writing to w stops
// the run and is returned.
func Run(ctx context.Context, opts RunOptions, argv []string, w io.Writer) (RunResult, error) {
	res := RunResult{ExitCode: -1}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxTrace <= 0 {
		opts.MaxTrace = DefaultMaxTrace
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	if opts.MaxMemory <= 0 {
		opts.MaxMemory = DefaultMaxMemory
	}
	opts.MaxMemory = max(opts.MaxMemory, MinMaxMemory)
	if len(argv) == 0 {
		return res, errors.New("run: no program given")
	}
	ebpf := opts.Tracer == "ebpf"
	runner := ebpf || opts.untraced
	if runner && opts.NoSandbox {
		return res, errors.New("run: the eBPF tracer follows the sandbox's processes: it cannot run without the sandbox")
	}
	strace := ""
	if !runner {
		var err error
		if strace, err = exec.LookPath("strace"); err != nil {
			return res, ErrNoStrace
		}
		if strace, err = filepath.Abs(strace); err != nil {
			return res, ErrNoStrace
		}
	}
	argv = append([]string(nil), argv...)
	prog, err := filepath.Abs(argv[0])
	if err != nil {
		return res, fmt.Errorf("run %s: %w", argv[0], err)
	}
	if _, err := os.Stat(prog); err != nil {
		return res, fmt.Errorf("run %s: %w", argv[0], err)
	}
	argv[0] = prog

	cfg := initproc.Config{
		Sandbox: !opts.NoSandbox,
		Argv:    append(append(append([]string{strace}, straceFlags()...), opts.StraceArgs...), "--"),
		CPU:     uint64(math.Ceil(opts.Timeout.Seconds())) + 1,
	}
	cfg.Argv = append(cfg.Argv, argv...)
	if runner {
		cfg.Argv, cfg.Runner = argv, true
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if cfg.Sandbox {
		cfg.Env = []string{"PATH=" + initproc.PATH, "HOME=" + initproc.ScratchDir, "TERM=dumb"}
		for _, k := range []string{"LANG", "LC_ALL", "TZ"} { // nothing else of the caller's environment
			if v, ok := os.LookupEnv(k); ok {
				cfg.Env = append(cfg.Env, k+"="+v)
			}
		}
		// strace, the program and every argument naming a file the sandbox
		// should show, to be bound in where the sandbox hides them.
		for i, a := range append([]string{strace}, argv...) {
			if a == "" || !filepath.IsAbs(a) || (i > 1 && !placeArg(a)) {
				continue
			}
			f, err := safefile.Open(a) // regular files only, never waits on a FIFO
			if err != nil {
				continue
			}
			if i > 1 && protected(f) {
				cfg.BindOnly = append(cfg.BindOnly, len(cfg.Files))
			}
			files = append(files, f)
			cfg.Files = append(cfg.Files, a)
			if i > 1 {
				cfg.ArgFiles++
			}
		}
	} else {
		dir, err := os.MkdirTemp("", "detector-run-")
		if err != nil {
			return res, fmt.Errorf("run %s: create working folder: %w", argv[0], err)
		}
		defer os.RemoveAll(dir)
		cfg.Dir = dir
		cfg.Env = append(os.Environ(), "HOME="+dir)
	}
	return runInit(ctx, opts, cfg, files, w)
}

// shownDirs are the folders whose files the sandbox shows as the host has
// them (read-only views of the host's /usr, /etc, /sys... and its own /proc
// and /dev): an argument naming a file there is left as the sandbox shows
// it, never bound over or copied.
var shownDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys", "/proc", "/dev"}

// placeArg reports whether an argument naming the absolute path a is a file
// to put into the sandbox: not one of the folders the sandbox shows as
// they are. The program's own attempt at such a file (reading /etc/shadow,
// /proc/meminfo) is what the trace records and the rules judge.
func placeArg(a string) bool {
	a = filepath.Clean(a)
	for _, d := range shownDirs {
		if a == d || strings.HasPrefix(a, d+"/") {
			return false
		}
	}
	return true
}

// protected reports whether the sandbox's user may not read f by its
// permissions: when detector runs as root, the sandbox's user is nobody,
// without groups. Such a file, named as an argument, is shown only by a
// bind mount, with its owner and mode, so the program's attempt to read it
// fails as it would on the host; it is never copied in, which would hand
// the program what the sandbox's user could never read.
func protected(f *os.File) bool {
	uid, _ := sandboxIDs()
	if uid == os.Getuid() {
		return false // the caller itself, who could open it
	}
	st, err := f.Stat()
	return err != nil || st.Mode().Perm()&0o004 == 0
}

// Check reports whether isolation can be set up here: it builds a
// sandbox exactly as Run does, without running strace. The error, if any, is
// a *SandboxError.
func Check() error {
	cfg := initproc.Config{Sandbox: true, Probe: true, CPU: 5}
	_, err := runInit(context.Background(), RunOptions{Timeout: 10 * time.Second, MaxTrace: 1, MaxOutput: 4096, MaxMemory: DefaultMaxMemory}, cfg, nil, io.Discard)
	return err
}

// runInit starts the current binary as the run's init with cfg, feeds the
// trace to w and waits for the end of the run.
func runInit(ctx context.Context, opts RunOptions, cfg initproc.Config, files []*os.File, w io.Writer) (RunResult, error) {
	res := RunResult{ExitCode: -1}
	arg, err := json.Marshal(cfg)
	if err != nil {
		return res, fmt.Errorf("encode sandbox configuration: %w", err)
	}
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		return res, fmt.Errorf("open own executable: %w", err)
	}
	defer exe.Close()
	traceR, traceW, err := newTracePipe()
	if err != nil {
		return res, fmt.Errorf("create trace pipe: %w", err)
	}
	defer traceR.close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		traceW.Close()
		return res, fmt.Errorf("create status pipe: %w", err)
	}
	defer statusR.Close()
	// The init waits for the end of the gate pipe: by then it is in the
	// run's cgroup.
	gateR, gateW, err := os.Pipe()
	if err != nil {
		traceW.Close()
		statusW.Close()
		return res, fmt.Errorf("create gate pipe: %w", err)
	}
	defer gateW.Close()

	// The program's stdout and stderr: pipes of our own rather than
	// os/exec's, so that they can be handed to the sandbox's user (programs
	// reopen them through /dev/stdout and /dev/stderr).
	var outR, outW, errR, errW *os.File
	if outR, outW, err = os.Pipe(); err != nil {
		traceW.Close()
		statusW.Close()
		return res, fmt.Errorf("create output pipe: %w", err)
	}
	defer outR.Close()
	if errR, errW, err = os.Pipe(); err != nil {
		traceW.Close()
		statusW.Close()
		outW.Close()
		return res, fmt.Errorf("create output pipe: %w", err)
	}
	defer errR.Close()
	var inR, inW *os.File
	if opts.Stdin != nil {
		if inR, inW, err = os.Pipe(); err != nil {
			traceW.Close()
			statusW.Close()
			outW.Close()
			errW.Close()
			return res, fmt.Errorf("create input pipe: %w", err)
		}
		defer inW.Close() // ends the copy below if the program never read
	}
	closeW := func() {
		traceW.Close()
		statusW.Close()
		outW.Close()
		errW.Close()
		gateR.Close()
		if inR != nil {
			inR.Close()
		}
	}

	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/5", // initproc.FDExe: works even where the sandbox's user cannot reach the binary's path
		Args:       []string{initproc.InitName, string(arg)},
		Env:        []string{"GOMAXPROCS=1"}, // the init is single-purpose and short-lived
		Stdout:     outW,
		Stderr:     errW,
		ExtraFiles: append([]*os.File{traceW, statusW, exe, gateR}, files...), // from fd 3 on; see initproc.FDTrace
		SysProcAttr: &syscall.SysProcAttr{
			Setsid:    true,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if inR != nil { // a nil *os.File would not be a nil io.Reader
		cmd.Stdin = inR
	}
	if cfg.Sandbox {
		uid, gid := sandboxIDs()
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID |
			syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
		// Only the sandbox's user exists in its user namespace, under its
		// own id; uid 0 does not.
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = false
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
		if os.Getuid() == 0 {
			// Root may allow setgroups in the namespace: the init empties its
			// supplementary groups (group 0 under su or sudo, for example).
			// Other users cannot; see KeptGroups.
			cmd.SysProcAttr.GidMappingsEnableSetgroups = true
			cmd.SysProcAttr.Credential.Groups = []uint32{}
			cmd.SysProcAttr.Credential.NoSetGroups = false
		}
		// The capabilities the init needs for the setup, valid in its own
		// namespaces only; it drops them all before running strace.
		cmd.SysProcAttr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SETPCAP}
		// strace reopens the trace pipe through /proc/self/fd/3, and programs
		// reopen stdout and stderr: the pipes must belong to that user.
		for _, f := range []*os.File{traceW, outW, errW, inR} {
			if f == nil {
				continue
			}
			if err := f.Chown(uid, gid); err != nil {
				closeW()
				return res, fmt.Errorf("hand pipes to the sandbox: %w", err)
			}
		}
	}

	// Pdeathsig fires when the thread that started the child exits: start
	// and wait on one locked thread.
	started := make(chan error, 1)
	waited := make(chan error, 1)
	start := time.Now()
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited <- cmd.Wait()
	}()
	err = <-started
	closeW()
	if err == nil && inW != nil {
		go func() {
			io.Copy(inW, opts.Stdin) // fails with EPIPE once no process of the run holds the pipe
			inW.Close()
		}()
	}
	if err != nil {
		if cfg.Sandbox {
			return res, &SandboxError{Reason: "create namespaces: " + unwrapSyscallError(err)}
		}
		return res, fmt.Errorf("start strace: %w", err)
	}
	// The run's cgroup is made while the init sets the sandbox up; the init
	// waits for it before starting strace.
	var cg *runCgroup
	if s := findCgroup(); s.kind != cgroupNone {
		cg, err = s.create(opts.MaxMemory)
		if err == nil {
			defer cg.remove()
			err = cg.attach(cmd.Process.Pid)
		}
		if err != nil {
			cmd.Process.Kill()
			<-waited
			return res, fmt.Errorf("bound the run's memory: %w", err)
		}
	}
	// The eBPF tracer watches the run's pid namespace from before the
	// init leaves the gate.
	var tr *bpftrace.Tracer
	var counted countSum
	preExec := map[int]bool{} // children of the init that have not yet run the program
	if opts.Tracer == "ebpf" {
		dev, ino, err := bpftrace.PidNSOf(cmd.Process.Pid)
		if err == nil {
			tr, err = bpftrace.Open(bpftrace.Config{Mode: bpftrace.PidNS, NSDev: dev, NSIno: ino, Origin: cmd.Process.Pid, Calls: opts.eventCalls(),
				Stream: opts.Stream && opts.Events != nil, RingSize: ringSize(opts),
				Events: func(ev bpftrace.Event) {
					if ev.Kind == bpftrace.Exit && ev.Pid != cmd.Process.Pid {
						if c, ok, err := tr.ExitedCounts(ev.Pid); err == nil && ok {
							counted.add(c)
						}
					}
					// The init's own calls are not the program's, nor
					// are those of the init's child before it becomes
					// the program (the sandbox's last steps).
					switch {
					case ev.Pid == cmd.Process.Pid:
						if ev.Kind == bpftrace.Fork {
							preExec[ev.Child] = true
						}
						return
					case preExec[ev.Pid] && ev.Kind == bpftrace.Exec:
						delete(preExec, ev.Pid)
					case preExec[ev.Pid] && ev.Kind == bpftrace.Exit:
						delete(preExec, ev.Pid)
						return
					case preExec[ev.Pid]:
						return
					}
					if opts.Events != nil {
						opts.Events(ev)
					}
				}})
		}
		if err != nil {
			cmd.Process.Kill()
			<-waited
			return res, fmt.Errorf("trace with eBPF: %w", err)
		}
	}
	gateW.Close()

	var (
		killOnce sync.Once
		mu       sync.Mutex
		timedOut bool
	)
	kill := func() {
		killOnce.Do(func() {
			if cfg.Sandbox {
				// The init is pid 1 of the run's pid namespace: its death
				// takes every process of the run with it.
				cmd.Process.Kill()
				return
			}
			killTree(cmd.Process)
		})
	}
	timer := time.AfterFunc(opts.Timeout, func() {
		mu.Lock()
		timedOut = true
		mu.Unlock()
		kill()
	})
	defer timer.Stop()
	stopCtx := context.AfterFunc(ctx, kill)
	defer stopCtx()

	stdout := &capWriter{max: opts.MaxOutput}
	stderr := &capWriter{max: opts.MaxOutput}
	var copies sync.WaitGroup
	copies.Add(2)
	go func() { io.Copy(stdout, outR); copies.Done() }()
	go func() { io.Copy(stderr, errR); copies.Done() }()

	// Every writer of the pipes is a process of the run, gone when the init
	// is; should one survive without the sandbox, the pipes are closed
	// shortly after strace's exit.
	var werr error
	exited, readDone := make(chan struct{}), make(chan struct{})
	go func() {
		werr = <-waited
		close(exited)
		select {
		case <-readDone:
		case <-time.After(2 * time.Second):
			traceR.stop()
			outR.Close()
			errR.Close()
		}
	}()

	// Setup errors arrive on the status pipe, which the successful exec of
	// strace closes.
	status, _ := io.ReadAll(io.LimitReader(statusR, 4096))

	var (
		n        int64
		writeErr error
		buf      = make([]byte, 64<<10)
	)
	for {
		k, rerr := traceR.read(buf)
		if k > 0 && writeErr == nil && !res.Truncated {
			chunk := buf[:k]
			if n+int64(k) > opts.MaxTrace {
				chunk = chunk[:opts.MaxTrace-n]
				res.Truncated = true
				kill()
			}
			if _, err := w.Write(chunk); err != nil {
				writeErr = err
				kill()
			}
			n += int64(len(chunk))
		}
		if rerr != nil {
			break
		}
	}
	copies.Wait()
	close(readDone)
	<-exited
	if tr != nil {
		// Every process of the run is gone; Stop delivers the events
		// still in the ring, their exits' counts among them. The counts
		// of processes whose exit event was lost are still in the kernel:
		// they are added too, so that losses never empty the counts.
		res.Lost, _ = tr.Lost()
		if err := tr.Stop(); err != nil {
			tr.Close()
			return res, fmt.Errorf("trace with eBPF: %w", err)
		}
		rest, err := tr.TakeExited()
		if err == nil {
			for pid, c := range rest {
				if pid != cmd.Process.Pid {
					counted.add(c)
				}
			}
		}
		if cerr := tr.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, fmt.Errorf("trace with eBPF: %w", err)
		}
		res.Counts, res.Transitions = counted.hist, counted.transitions
	}
	res.Duration = time.Since(start)
	res.Stdout, res.Stderr = stdout.buf, stderr.buf
	if cg != nil {
		// Every process of the run is gone: its cgroup's counts are final.
		res.MemoryLimited = cg.hitBound()
		res.PeakMemory = cg.peak()
		if err := cg.remove(); err != nil {
			return res, err
		}
	}
	mu.Lock()
	res.TimedOut = timedOut
	mu.Unlock()

	if why, ok := strings.CutPrefix(string(status), initproc.NotStarted); ok {
		return res, &NotStartedError{Reason: why}
	}
	if len(status) > 0 {
		if cfg.Sandbox {
			return res, &SandboxError{Reason: string(status)}
		}
		return res, fmt.Errorf("start strace: %s", status)
	}
	if cfg.Probe {
		if werr != nil {
			return res, &SandboxError{Reason: "probe: " + werr.Error()}
		}
		return res, nil
	}
	killed := res.TimedOut || res.Truncated || writeErr != nil || ctx.Err() != nil
	if ps := cmd.ProcessState; ps != nil && !killed {
		res.ExitCode = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.ExitCode = 128 + int(ws.Signal())
		}
	}
	if writeErr != nil {
		return res, fmt.Errorf("write trace: %w", writeErr)
	}
	if err := ctx.Err(); err != nil && !res.TimedOut {
		return res, fmt.Errorf("run: %w", err)
	}
	return res, nil
}

// traceBatch is how long the trace reader lets strace's lines pile up in the
// pipe after a short read. strace writes every line on its own; waking the
// reader for each one costs more CPU than the traced program on short runs.
const traceBatch = 500 * time.Microsecond

// tracePipe is the pipe strace writes to. Its read end stays out of Go's
// poller, so that a write wakes nobody while the reader sleeps between
// batches.
type tracePipe struct {
	fd      int
	stopped atomic.Bool
}

// newTracePipe creates the trace pipe, with a buffer of 1 MiB where the
// system allows, and returns its ends.
func newTracePipe() (*tracePipe, *os.File, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, err
	}
	unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, 1<<20) // a hint: failure only costs wakeups
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, err
	}
	return &tracePipe{fd: p[0]}, os.NewFile(uintptr(p[1]), "trace"), nil
}

// read reads into buf; it returns io.EOF once every writer is gone or stop
// was called.
func (t *tracePipe) read(buf []byte) (int, error) {
	for {
		n, err := unix.Read(t.fd, buf)
		switch {
		case n > 0:
			if n < len(buf)/2 {
				time.Sleep(traceBatch)
			}
			return n, nil
		case err == nil:
			return 0, io.EOF
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			if t.stopped.Load() {
				return 0, io.EOF
			}
			fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}}
			unix.Poll(fds, 100)
		default:
			return 0, err
		}
	}
}

// stop makes read return io.EOF once the pipe is empty.
func (t *tracePipe) stop() { t.stopped.Store(true) }

func (t *tracePipe) close() { unix.Close(t.fd) }

// killTree kills, without the sandbox, strace and what it runs: the
// descendants found in /proc, then its session (the init was started with
// Setsid), then strace. A process that both left the session and lost its
// parent escapes; the sandbox has no such gap.
func killTree(p *os.Process) {
	for range 3 {
		for _, pid := range descendants(p.Pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.Kill()
}

// descendants lists the processes below pid, read from /proc.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, c := range children[q] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// sandboxIDs returns the user and group ids the sandboxed programs run as:
// the caller's, or 65534 (nobody) when the caller is root.
func sandboxIDs() (uid, gid int) {
	uid, gid = os.Getuid(), os.Getgid()
	if uid == 0 {
		uid = initproc.Nobody
	}
	if gid == 0 {
		gid = initproc.Nobody
	}
	return uid, gid
}

// KeptGroups returns the supplementary groups that sandboxed programs keep:
// none when the caller is root, whose runs drop them all, and otherwise the
// caller's groups besides its own group. A user namespace created without
// privileges never allows setgroups (the kernel insists, so that no one can
// shed a group that denies access), so those groups still open their files
// to the program.
func KeptGroups() []int {
	if os.Getuid() == 0 {
		return nil
	}
	groups, err := os.Getgroups()
	if err != nil {
		return nil
	}
	var kept []int
	for _, g := range groups {
		if g != os.Getgid() {
			kept = append(kept, g)
		}
	}
	return kept
}

// unwrapSyscallError turns "fork/exec /proc/self/fd/5: operation not
// permitted" into "operation not permitted".
func unwrapSyscallError(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// capWriter keeps the first max bytes written to it and drops the rest.
type capWriter struct {
	max int
	buf []byte
}

func (c *capWriter) Write(p []byte) (int, error) {
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ringSize is the eBPF tracer's ring for a run: a stream of every call
// needs room for the bursts it makes while the reader waits for a core.
func ringSize(opts RunOptions) int {
	switch {
	case opts.ringSize > 0:
		return opts.ringSize
	case opts.Stream && opts.Events != nil:
		return bpftrace.StreamRingSize
	}
	return 0
}
