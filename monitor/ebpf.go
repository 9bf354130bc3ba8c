package monitor

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/features"
	"detector/procmetrics"
	"detector/rules"
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
}

// UnavailableError is RunEBPF's error when the tracer cannot be loaded
// here (no privilege, no BPF): nothing was watched.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// ebpfCalls are the calls whose events the eBPF source asks for: what the
// rules it can serve look at. Every other call is only counted.
var ebpfCalls = []string{"openat", "connect", "listen"}

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
	fs   procfs.FS
}

// RunEBPF watches every process of the host with the eBPF tracer until
// ctx ends: the rules judge each session's events as they come, the model
// scores each process from the counts kept in the kernel when it exits and
// every ScoreEvery, lost events are logged as "drop" records. Every probe
// is detached when it returns.
func RunEBPF(ctx context.Context, cfg Config, o EBPFOptions) (err error) {
	w := &ebpfWatch{cfg: cfg, o: o, self: os.Getpid(), ready: make(chan struct{}), jobs: map[int]*Stream{}, sid: map[int]int{}, seen: map[int]bool{}}
	w.fs, _ = procfs.NewDefaultFS()
	// The tracer's reader only moves events into a queue, so that the ring
	// is drained as fast as it fills; one goroutine judges them. An event
	// that finds the queue full is lost and counted like one that found
	// the ring full.
	queue := make(chan bpftrace.Event, queueSize)
	var queueLost atomic.Uint64
	enqueue := func(ev bpftrace.Event) {
		select {
		case queue <- ev:
		default:
			queueLost.Add(1)
		}
	}
	judged := make(chan struct{})
	go func() {
		defer close(judged)
		for ev := range queue {
			w.event(ev)
		}
	}()
	tr, err := bpftrace.Open(bpftrace.Config{Mode: bpftrace.All, RingSize: o.RingSize, Calls: ebpfCalls, Events: enqueue})
	if err != nil {
		close(queue)
		<-judged
		return &UnavailableError{err}
	}
	w.tr = tr
	close(w.ready)
	if o.Ready != nil {
		o.Ready()
	}
	var ringLost, queueLogged uint64
	// drops logs the events lost since the last call: those that found
	// the ring full (while the tracer is open) and those that found the
	// queue full.
	drops := func(ring bool) error {
		d := uint64(0)
		if ring {
			n, err := tr.Lost()
			if err != nil {
				return err
			}
			d, ringLost = n-ringLost, n
		}
		q := queueLost.Load()
		d, queueLogged = d+q-queueLogged, q
		if d == 0 {
			return nil
		}
		return cfg.Log.Drop("ebpf", d)
	}
	defer func() {
		if derr := drops(true); err == nil {
			err = derr
		}
		// Close detaches the probes and delivers the events still in the
		// ring; then the queue is judged to its end.
		if cerr := tr.Close(); err == nil {
			err = cerr
		}
		close(queue)
		<-judged
		if derr := drops(false); err == nil {
			err = derr
		}
		w.mu.Lock()
		for _, s := range w.jobs {
			if serr := s.Close(); err == nil {
				err = serr
			}
		}
		w.mu.Unlock()
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
		if err := drops(true); err != nil {
			return err
		}
		if cfg.ScoreEvery > 0 && time.Since(lastScore) >= cfg.ScoreEvery {
			lastScore = time.Now()
			if err := w.scoreLive(); err != nil {
				return err
			}
		}
	}
}

// scoreLive scores every live process that has made enough calls.
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
	}
	return nil
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
	job := w.job(ev.Pid)
	feed := func(e *trace.Event) {
		e.SetTime(now)
		if err := job.Event(e); err != nil {
			w.cfg.warn("%v", err)
		}
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
		feed(&trace.Event{Kind: trace.EventCall, PID: ev.Pid,
			Call: trace.NewCall(ev.Pid, "clone", "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", int64(ev.Child), true, "")})
		feed(&trace.Event{Kind: trace.EventSpawn, PID: ev.Pid, Child: ev.Child})
	case bpftrace.Exec:
		w.markSeen(ev.Pid)
		// The new program's argv, read while it runs (best effort: a
		// program that exits at once leaves its path alone).
		argv := []string{ev.Path}
		if p, err := w.fs.Proc(ev.Pid); err == nil {
			if a, err := p.CmdLine(); err == nil && len(a) > 0 {
				argv = a
			}
		}
		c := trace.NewCall(ev.Pid, "execve", quote(ev.Path)+", "+quoteArray(argv)+", 0x0 /* 0 vars */", 0, true, "")
		feed(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: c})
		feed(&trace.Event{Kind: trace.EventExec, PID: ev.Pid, Call: c})
	case bpftrace.Call:
		if c := w.call(ev); c != nil {
			feed(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: c})
		}
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
		e := &trace.Event{Kind: trace.EventExit, PID: ev.Pid, ExitCode: (ev.Code >> 8) & 0xff}
		if sig := ev.Code & 0x7f; sig != 0 {
			e.Signal = unix.SignalName(syscall.Signal(sig))
		}
		feed(e)
		delete(w.sid, ev.Pid)
		delete(w.seen, ev.Pid)
		if len(job.Live()) == 0 {
			job.Close()
			for k, s := range w.jobs {
				if s == job {
					delete(w.jobs, k)
				}
			}
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
	c := trace.NewCall(pid, "execve", quote(exe)+", "+quoteArray(argv)+", 0x0 /* 0 vars */", 0, true, "")
	feed(&trace.Event{Kind: trace.EventExec, PID: pid, Call: c})
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

// call describes a call event in strace's notation, with what the kernel
// side read at its entry and what /proc tells of its descriptors; its
// return value is unknown.
func (w *ebpfWatch) call(ev bpftrace.Event) *trace.Call {
	switch ev.Name {
	case "openat":
		dir := "AT_FDCWD"
		if !strings.HasPrefix(ev.Path, "/") {
			// A relative path: the folder it is relative to, best effort.
			if cwd, err := os.Readlink("/proc/" + strconv.Itoa(ev.Pid) + "/cwd"); err == nil {
				dir += "<" + cwd + ">"
			}
		}
		return trace.NewCall(ev.Pid, "openat", dir+", "+quote(ev.Path)+", "+openFlags(ev.Flags), 0, false, "")
	case "connect":
		addr, n := sockaddrText(ev.Addr)
		if addr == "" {
			return nil
		}
		return trace.NewCall(ev.Pid, "connect", w.fdText(ev.Pid, ev.Flags)+", "+addr+", "+strconv.Itoa(n), 0, false, "")
	case "listen":
		return trace.NewCall(ev.Pid, "listen", w.fdText(ev.Pid, ev.Flags)+", 4096", 0, false, "")
	}
	return nil
}

// fdText writes a socket descriptor as strace -yy does when /proc tells
// its addresses (3<TCP:[127.0.0.1:8080]>), else as its number.
func (w *ebpfWatch) fdText(pid, fd int) string {
	s := strconv.Itoa(fd)
	link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + s)
	if err != nil {
		return s
	}
	ino, ok := strings.CutPrefix(link, "socket:[")
	if !ok {
		return s
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 64)
	if err != nil {
		return s
	}
	if k, ok := procmetrics.ReadSockets(w.fs)[n]; ok {
		proto := map[string]string{"tcp": "TCP", "tcp6": "TCPv6", "udp": "UDP", "udp6": "UDPv6"}[k.Proto]
		local := hostPort(k.Local, k.LPort)
		if k.RPort != 0 {
			local += "->" + hostPort(k.Rem, k.RPort)
		}
		return s + "<" + proto + ":[" + local + "]>"
	}
	return s + "<socket:[" + ino + ">"
}

// sockaddrText writes a struct sockaddr as strace does, and its length;
// "" for a family it does not know.
func sockaddrText(b []byte) (string, int) {
	if len(b) < 2 {
		return "", 0
	}
	switch fam := binary.LittleEndian.Uint16(b); fam {
	case unix.AF_INET:
		if len(b) < 8 {
			return "", 0
		}
		port := binary.BigEndian.Uint16(b[2:])
		ip := netip.AddrFrom4([4]byte(b[4:8]))
		return fmt.Sprintf("{sa_family=AF_INET, sin_port=htons(%d), sin_addr=inet_addr(%q)}", port, ip.String()), 16
	case unix.AF_INET6:
		if len(b) < 24 {
			return "", 0
		}
		port := binary.BigEndian.Uint16(b[2:])
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		return fmt.Sprintf("{sa_family=AF_INET6, sin6_port=htons(%d), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, %q, &sin6_addr), sin6_scope_id=0}", port, ip.String()), 28
	case unix.AF_UNIX:
		p, at := string(b[2:]), ""
		if strings.HasPrefix(p, "\x00") { // an abstract socket: strace writes @"name"
			p, at = p[1:], "@"
		}
		if i := strings.IndexByte(p, 0); i >= 0 {
			p = p[:i]
		}
		return "{sa_family=AF_UNIX, sun_path=" + at + quote(p) + "}", len(b)
	}
	return "", 0
}

var openFlagNames = []struct {
	bit  int
	name string
}{
	{0o100, "O_CREAT"}, {0o200, "O_EXCL"}, {0o400, "O_NOCTTY"}, {0o1000, "O_TRUNC"}, {0o2000, "O_APPEND"},
	{0o4000, "O_NONBLOCK"}, {0o10000, "O_DSYNC"}, {0o200000, "O_DIRECTORY"}, {0o400000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"}, {0o2000000, "O_CLOEXEC"}, {0o10000000, "O_PATH"}, {0o20000000, "__O_TMPFILE"},
}

// openFlags writes open flags as strace does: O_WRONLY|O_CREAT|O_TRUNC.
func openFlags(f int) string {
	acc := [...]string{"O_RDONLY", "O_WRONLY", "O_RDWR", "0x3"}[f&3]
	parts := []string{acc}
	rest := f &^ 3
	for _, x := range openFlagNames {
		if rest&x.bit != 0 {
			parts = append(parts, x.name)
			rest &^= x.bit
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatInt(int64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// quote writes s as strace writes a string: printable ASCII as it is,
// quotes and backslashes escaped, anything else in \x notation.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func quoteArray(a []string) string {
	q := make([]string, len(a))
	for i, s := range a {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
