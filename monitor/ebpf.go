package monitor

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/ebpfevents"
	"detector/features"
	"detector/model"
	"detector/profile"
	"detector/rules"
	"detector/sandbox"
	"detector/trace"
)

// EBPFOptions configure the eBPF source.
type EBPFOptions struct {
	// RingSize is the ring buffer's size in bytes, a power of two of at
	// least a page (0: the tracer's default, 1 MiB).
	RingSize int
	// Processes also logs one "process" record for every process that
	// ends: its executable, calls and call-name histogram.
	Processes bool
	// Ready, when set, is called once the probes are attached.
	Ready func()
	// IncludeSelf judges detector's own processes and sandboxes too; by
	// default the kernel leaves them out (see bpftrace.Config.Self).
	IncludeSelf bool
	// Rate and Burst bound the call events each process sends
	// (bpftrace.Config.Rate); 0 for both: DefaultRate and DefaultBurst.
	Rate, Burst int
}

// DefaultRate and DefaultBurst are the monitor's bound on each process's
// call events: what the rules judge of a process past it is lost, and
// logged in a drop record (exec, connect, credential and the opens the
// rules name are never held back).
const (
	DefaultRate  = 2000
	DefaultBurst = 20000
)

// aliasPrefixes are the path prefixes whose read-only opens are always
// sent: they name other files (/proc/PID/root, /proc/PID/cwd, /dev/fd/N).
var aliasPrefixes = []string{"/proc/", "/dev/fd/"}

// interest is the kernel's filter of read-only opens for the loaded rules
// (nil: every open is sent), and for a model of program behaviour the
// sensitive paths whose reads its profiles weigh most (profile.Sensitive).
func interest(set *rules.Set, m *model.Model) *bpftrace.Interest {
	var extra []string
	if m != nil && m.Spec().Behaviour {
		extra = profile.Sensitive()
	}
	if set == nil {
		// no rules: every hidden name crosses (Hidden nil), as before
		// the rules named the ones they read
		if len(extra) == 0 {
			return &bpftrace.Interest{}
		}
		return &bpftrace.Interest{Prefixes: append(extra, aliasPrefixes...)}
	}
	prefixes, exact, _, all := set.OpenInterest()
	if all {
		return nil
	}
	return &bpftrace.Interest{Prefixes: append(append(prefixes, extra...), aliasPrefixes...), Exact: exact, Hidden: set.OpenHidden()}
}

// tracerConfig is the eBPF tracer's configuration for the monitor: the
// whole host, the calls the rules read, the kernel's filter of opens, the
// rate limit and detector's own processes left out; events go to events.
func tracerConfig(cfg Config, o EBPFOptions, events func(bpftrace.Event)) bpftrace.Config {
	tc := bpftrace.Config{Mode: bpftrace.All, RingSize: o.RingSize, Calls: ebpfevents.Calls, Events: events,
		Interest: interest(cfg.Rules, cfg.Model), Rate: o.Rate, Burst: o.Burst, Fold: true}
	if tc.Rate == 0 && tc.Burst == 0 {
		tc.Rate, tc.Burst = DefaultRate, DefaultBurst
	}
	if !o.IncludeSelf {
		tc.Self = &bpftrace.Self{Exe: "/proc/self/exe", Marker: sandbox.InitName}
	}
	return tc
}

// UnavailableError is RunEBPF's error when the tracer cannot be loaded
// here (no privilege, no BPF): nothing was watched.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// queueSize bounds the events waiting to be judged.
const queueSize = 1 << 16

// maxJobs bounds the process trees (sessions) followed at once.
const maxJobs = 1024

// ebpfWatch turns the tracer's events into the event streams of the jobs
// (sessions: a login, a service) they belong to.
type ebpfWatch struct {
	cfg   Config
	o     EBPFOptions
	self  int
	ready chan struct{} // closed once tr is set
	tr    *bpftrace.Tracer

	mu   sync.Mutex
	jobs map[int]*Stream // by session id
	sid  map[int]int     // pid -> session id
	seen map[int]bool    // pids whose program is known (exec seen or read from /proc)
	conv *ebpfevents.Converter
	fs   procfs.FS
}

// RunEBPF watches every process of the host with the eBPF tracer until
// ctx ends: the rules judge each session's events as they come, the model
// scores each process from the counts kept in the kernel, and each session
// as a whole, when it ends and every ScoreEvery; lost events are logged as
// "drop" records. Every probe is detached when it returns.
func RunEBPF(ctx context.Context, cfg Config, o EBPFOptions) (err error) {
	w := &ebpfWatch{cfg: cfg, o: o, self: os.Getpid(), ready: make(chan struct{}), jobs: map[int]*Stream{}, sid: map[int]int{}, seen: map[int]bool{}, conv: ebpfevents.New()}
	w.fs, _ = procfs.NewDefaultFS()
	// The tracer's reader only moves events into a queue, so that the ring
	// is drained as fast as it fills; one goroutine judges them. An event
	// that finds the queue full is lost and counted like one that found
	// the ring full.
	queue := make(chan bpftrace.Event, queueSize)
	var queueLost atomic.Uint64
	var qmu sync.Mutex
	queueDrops := map[int]uint64{} // by pid, the events the queue lost
	enqueue := func(ev bpftrace.Event) {
		cfg.Metrics.Event("ebpf", kindName(ev.Kind))
		select {
		case queue <- ev:
		default:
			queueLost.Add(1)
			qmu.Lock()
			if len(queueDrops) < 1<<16 {
				queueDrops[ev.Pid]++
			}
			qmu.Unlock()
		}
	}
	judged := make(chan struct{})
	go func() {
		defer close(judged)
		for ev := range queue {
			w.event(ev)
		}
	}()
	tr, err := bpftrace.Open(tracerConfig(cfg, o, enqueue))
	if err != nil {
		close(queue)
		<-judged
		return &UnavailableError{err}
	}
	w.tr = tr
	cfg.Metrics.setRing(tr.RingFill)
	cfg.Metrics.setTracked(func() int {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.sid)
	})
	close(w.ready)
	if o.Ready != nil {
		o.Ready()
	}
	var ringLost, queueLogged uint64
	// counted and pinned are the losses counted in all (ring and queue)
	// and those named with their process so far; unnamed those logged
	// without a process, pending those unnamed at the last call.
	var counted, pinned, unnamed, pending uint64
	// drops logs the events lost since the last call: those that found
	// the ring full or a spent rate limit (while the tracer is open) and
	// those that found the queue full; one record per process that lost
	// some, and one for the rest (processes the kernel could not name).
	// The kernel and the queue count a loss before they name its
	// process, so a loss counted by one call may be named by the next: a
	// loss is logged without a process only once it stayed unnamed for
	// a whole call, or at the last one (final).
	drops := func(final bool) error {
		n, err := tr.Lost()
		if err != nil {
			return err
		}
		d := n - ringLost
		ringLost = n
		cfg.Metrics.Dropped("ebpf", "ring", d)
		per, err := tr.TakeDrops()
		if err != nil {
			return err
		}
		q := queueLost.Load()
		cfg.Metrics.Dropped("ebpf", "queue", q-queueLogged)
		d, queueLogged = d+q-queueLogged, q
		qmu.Lock()
		for pid, n := range queueDrops {
			per[pid] += n
		}
		clear(queueDrops)
		qmu.Unlock()
		counted += d
		pids := make([]int, 0, len(per))
		for pid := range per {
			pids = append(pids, pid)
		}
		slices.Sort(pids)
		for _, pid := range pids {
			n := per[pid]
			pinned += n
			p, sample := w.dropProcess(pid)
			if err := cfg.Log.DropProcess("ebpf", sample, p, n); err != nil {
				return err
			}
		}
		open := counted - min(counted, pinned+unnamed)
		late := min(open, pending)
		if final {
			late = open
		}
		unnamed += late
		pending = open - late
		if late == 0 {
			return nil
		}
		return cfg.Log.Drop("ebpf", late)
	}
	defer func() {
		if derr := drops(false); err == nil {
			err = derr
		}
		// Stop detaches the probes and delivers the events still in the
		// ring; then the queue is judged to its end, with the tracer's
		// maps still open (an exit's counts make its process record), and
		// only then are the maps closed.
		if serr := tr.Stop(); err == nil {
			err = serr
		}
		close(queue)
		<-judged
		if derr := drops(true); err == nil {
			err = derr
		}
		w.mu.Lock()
		for _, s := range w.jobs {
			if serr := s.Close(); err == nil {
				err = serr
			}
		}
		w.mu.Unlock()
		if cerr := tr.Close(); err == nil {
			err = cerr
		}
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastScore := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := drops(false); err != nil {
			return err
		}
		// A file of interest replaced since (a rewritten /etc/shadow)
		// is a new inode for the kernel's filter.
		if err := tr.RefreshInterest(); err != nil {
			cfg.warn("%v", err)
		}
		if cfg.ScoreEvery > 0 && time.Since(lastScore) >= cfg.ScoreEvery {
			lastScore = time.Now()
			if err := w.scoreLive(); err != nil {
				return err
			}
		}
	}
}

// dropProcess names pid for its drop record: its program as the events
// or /proc told it, and its job.
func (w *ebpfWatch) dropProcess(pid int) (p *rules.Process, sample string) {
	p = &rules.Process{PID: pid}
	w.mu.Lock()
	if sid, ok := w.sid[pid]; ok {
		sample = "session " + strconv.Itoa(sid)
	}
	for _, s := range w.jobs {
		s.mu.Lock()
		lp := s.procs[pid]
		if lp != nil {
			p.PPID, p.Exe, p.Argv = lp.ppid, lp.exe, lp.argv
			sample = s.name
		}
		s.mu.Unlock()
		if lp != nil {
			break
		}
	}
	w.mu.Unlock()
	if p.Exe == "" {
		if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil {
			p.Exe = exe
		}
	}
	return p, sample
}

// scoreLive scores every live process that has made enough calls, and
// every job.
func (w *ebpfWatch) scoreLive() error {
	if w.cfg.Model == nil {
		return nil
	}
	w.mu.Lock()
	jobs := make([]*Stream, 0, len(w.jobs))
	for _, s := range w.jobs {
		jobs = append(jobs, s)
	}
	w.mu.Unlock()
	for _, s := range jobs {
		for _, pid := range s.Live() {
			c, ok, err := w.tr.Counts(pid)
			if err != nil || !ok {
				continue
			}
			if ctr := counter(c); ctr != nil {
				if err := s.ScoreCounts(pid, ctr); err != nil {
					return err
				}
			}
		}
		if err := s.Score(); err != nil { // the job as a whole
			return err
		}
	}
	return nil
}

// kindName names a tracer event's kind as trace.EventKind does.
func kindName(k bpftrace.Kind) string {
	switch k {
	case bpftrace.Fork:
		return "spawn"
	case bpftrace.Exec:
		return "exec"
	case bpftrace.Exit:
		return "exit"
	}
	return "call"
}

func counter(c bpftrace.Counts) *features.Counter {
	hist := make(map[string]int64, len(c.Names))
	for n, k := range c.Names {
		hist[n] = int64(k)
	}
	ctr, err := features.CounterOf(hist, int64(c.Transitions))
	if err != nil {
		return nil
	}
	return ctr
}

// event handles one tracer event, on the tracer's reader goroutine.
func (w *ebpfWatch) event(ev bpftrace.Event) {
	if ev.Pid == w.self {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Duration(time.Now().UnixMicro()) * time.Microsecond
	// A process that left its parent's session (setsid, as login and
	// service managers do before exec) makes a job of its own from its
	// exec on.
	if ev.Kind == bpftrace.Exec && w.cfg.Model != nil {
		// The program the exec replaced ends: its calls are scored and
		// given to its job.
		<-w.ready
		if c, ok, err := w.tr.ReplacedCounts(ev.Pid, ev.Execs); err == nil && ok {
			if ctr := counter(c); ctr != nil {
				w.job(ev.Pid).Replaced(ev.Pid, ctr)
			}
		}
	}
	moved := ev.Kind == bpftrace.Exec && ev.Sid > 0 && ev.Sid != w.sidOf(ev.Pid)
	if moved {
		if old := w.jobs[w.sidOf(ev.Pid)]; old != nil {
			old.Forget(ev.Pid)
			w.endIfDone(old)
		}
		w.sid[ev.Pid] = ev.Sid
	}
	job := w.job(ev.Pid)
	feed := func(e *trace.Event) {
		e.SetTime(now)
		if err := job.Event(e); err != nil {
			w.cfg.warn("%v", err)
		}
	}
	if moved {
		// The new job learns the chain of programs above it.
		w.introduceParent(ev.Pid, feed)
	}
	// A process first seen running (started before the monitor, or whose
	// start was lost) is introduced with what /proc says of its program,
	// so that rules naming it or its parent know them.
	if ev.Kind != bpftrace.Exec && !w.seen[ev.Pid] {
		w.introduce(ev.Pid, feed)
	}
	switch ev.Kind {
	case bpftrace.Fork:
		w.sid[ev.Child] = w.sidOf(ev.Pid)
		w.markSeen(ev.Child)
	case bpftrace.Exec:
		w.markSeen(ev.Pid)
	case bpftrace.Exit:
		<-w.ready
		if c, ok, err := w.tr.ExitedCounts(ev.Pid); err == nil && ok {
			if ctr := counter(c); ctr != nil {
				if w.cfg.Model != nil {
					job.ScoreCounts(ev.Pid, ctr)
				}
				if w.o.Processes {
					w.logProcess(job, ev.Pid, ctr)
				}
			}
		}
	}
	w.conv.Events(ev, now, feed)
	if ev.Kind == bpftrace.Exit {
		delete(w.sid, ev.Pid)
		delete(w.seen, ev.Pid)
		w.endIfDone(job)
	}
}

// endIfDone closes job, which scores it, once none of its processes runs.
func (w *ebpfWatch) endIfDone(job *Stream) {
	if len(job.Live()) > 0 {
		return
	}
	job.Close()
	for k, s := range w.jobs {
		if s == job {
			delete(w.jobs, k)
		}
	}
}

// introduce feeds the exec of a process seen for the first time, with its
// executable and argv from /proc, after its ancestors' (so that the rules
// know the chain of a process that started before the monitor). A process
// already gone is left as it is.
func (w *ebpfWatch) introduce(pid int, feed func(*trace.Event)) {
	w.introduceDepth(pid, feed, 0)
}

// introduceParent feeds pid's parent chain, from /proc, and pid's start.
func (w *ebpfWatch) introduceParent(pid int, feed func(*trace.Event)) {
	p, err := w.fs.Proc(pid)
	if err != nil {
		return
	}
	if st, err := p.Stat(); err == nil && st.PPID > 1 {
		w.introduceDepth(st.PPID, feed, 1)
		feed(&trace.Event{Kind: trace.EventSpawn, PID: st.PPID, Child: pid})
	}
}

func (w *ebpfWatch) introduceDepth(pid int, feed func(*trace.Event), depth int) {
	w.markSeen(pid)
	p, err := w.fs.Proc(pid)
	if err != nil {
		return
	}
	exe, err := p.Executable()
	if err != nil || exe == "" {
		return
	}
	if st, err := p.Stat(); err == nil && st.PPID > 1 && depth < 16 {
		if !w.seen[st.PPID] {
			w.introduceDepth(st.PPID, feed, depth+1)
		}
		feed(&trace.Event{Kind: trace.EventSpawn, PID: st.PPID, Child: pid})
	}
	argv, _ := p.CmdLine()
	if len(argv) == 0 {
		argv = []string{exe}
	}
	feed(&trace.Event{Kind: trace.EventExec, PID: pid, Call: ebpfevents.ExecCall(pid, exe, argv)})
}

func (w *ebpfWatch) markSeen(pid int) {
	if len(w.seen) >= 1<<16 {
		clear(w.seen)
	}
	w.seen[pid] = true
}

// logProcess writes the "process" record of a process that ended.
func (w *ebpfWatch) logProcess(job *Stream, pid int, c *features.Counter) {
	var p *rules.Process
	exe := ""
	job.mu.Lock()
	if lp := job.procs[pid]; lp != nil {
		exe = lp.exe
		p = &rules.Process{PID: pid, PPID: lp.ppid, Exe: lp.exe, Argv: lp.argv}
	}
	job.mu.Unlock()
	if p == nil {
		p = &rules.Process{PID: pid}
	}
	yes := true
	a := rules.LogAlert{Kind: "process", Sample: job.name, Exe: exe, Process: p, Source: "ebpf", Syscalls: &yes,
		Calls: c.Total(), Counts: c.Histogram(), Evidence: []rules.Evidence{}}
	if err := w.cfg.Log.Alert(a); err != nil {
		w.cfg.warn("%v", err)
	}
}

// job returns the stream of pid's session, made at its first event.
func (w *ebpfWatch) job(pid int) *Stream {
	sid := w.sidOf(pid)
	s := w.jobs[sid]
	if s == nil {
		if len(w.jobs) >= maxJobs {
			for k, old := range w.jobs { // any one: the map is bounded, not ordered
				old.Close()
				delete(w.jobs, k)
				break
			}
		}
		s = NewStream(w.cfg, "session "+strconv.Itoa(sid))
		s.kernel = true
		w.jobs[sid] = s
	}
	return s
}

// sidOf returns pid's session id, learned at its fork or asked of the
// kernel; a process already gone is a session of its own.
func (w *ebpfWatch) sidOf(pid int) int {
	if s, ok := w.sid[pid]; ok {
		return s
	}
	s, err := unix.Getsid(pid)
	if err != nil {
		s = pid
	}
	if len(w.sid) >= 1<<16 {
		clear(w.sid)
	}
	w.sid[pid] = s
	return s
}
