package rules

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"path"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"detector/trace"
)

// Bounds on what an Engine keeps, whatever the input.
const (
	// MaxProcs is the most processes the process table holds. When it is
	// full, exited processes are evicted first (oldest first), then the
	// oldest live ones; an evicted process's children see no parent.
	MaxProcs = 4096
	// MaxWrittenFiles is the most paths remembered as written, created,
	// renamed into place or made executable; the oldest are forgotten.
	MaxWrittenFiles = 8192
	// MaxEvidence is the number of evidence lines kept per finding.
	MaxEvidence = 5
	// MaxEvidenceBytes bounds one evidence line.
	MaxEvidenceBytes = 512
	// MaxMemfds is the number of memfd descriptors remembered per process.
	MaxMemfds = 64
	maxChain  = 16
	// maxWindowEntries bounds one rule's window (times, and distinct values).
	maxWindowEntries = 16384
)

// Severity ranks a finding or a sample.
type Severity uint8

const (
	None Severity = iota
	Info
	Warning
	Alert
)

func (s Severity) String() string {
	switch s {
	case None:
		return "NONE"
	case Info:
		return "INFO"
	case Warning:
		return "WARNING"
	case Alert:
		return "ALERT"
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads NONE, INFO, WARNING or ALERT.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "NONE":
		return None, true
	case "INFO":
		return Info, true
	case "WARNING":
		return Warning, true
	case "ALERT":
		return Alert, true
	}
	return None, false
}

// Finding is one rule that hit a sample.
type Finding struct {
	Rule     string     `json:"rule"`
	Severity Severity   `json:"severity"`
	Count    int        `json:"count"`          // every hit, not only the evidence kept
	First    *float64   `json:"first"`          // time of the first hit in the trace's seconds, null without timestamps
	Last     *float64   `json:"last"`           // time of the last hit
	Message  string     `json:"message"`        // the rule's output for the first hit
	Evidence []Evidence `json:"evidence"`       // the first MaxEvidence hits, and a later one of each outcome (failed, succeeded) they lack
	Process  Process    `json:"process"`        // the process of the first hit
	Tags     []string   `json:"tags,omitempty"` // the rule's MITRE ATT&CK ids
}

// Evidence is one call that made a rule hit.
type Evidence struct {
	PID     int      `json:"pid"`
	Time    *float64 `json:"time"`    // seconds as the trace counts them; null without timestamps
	Syscall string   `json:"syscall"` // the call, as strace printed it (up to MaxEvidenceBytes)
	// At is Time as RFC 3339 (UTC), for live monitoring, whose times count
	// from the Unix epoch; "" elsewhere.
	At string `json:"at,omitempty"`
	// Path is the object the kernel resolved the call's (first) path to,
	// the one the rules judged; AsGiven is the path as the call spelled
	// it (made absolute against its folder), when that differs.
	Path    string `json:"path,omitempty"`
	AsGiven string `json:"as_given,omitempty"`
	// Rule is, in the evidence of an escalation (CombinedRule), the
	// WARNING rule the call hit; "" elsewhere.
	Rule string `json:"rule,omitempty"`
}

// Process describes the process of a finding.
type Process struct {
	PID  int    `json:"pid"`
	PPID int    `json:"ppid"`
	Exe  string `json:"exe"`
	// Executed is the file the kernel runs when it is not Exe: a script's
	// interpreter (its #! line), or, under the eBPF tracer, the file a
	// symbolic link named; "" when they are the same or it is not known.
	Executed string   `json:"executed,omitempty"`
	Argv     []string `json:"argv"`
	Chain    []string `json:"chain"` // executable names of the ancestors, nearest first
}

// PackageChecker says whether an executable belongs to an installed
// package. Check returns unowned when no package owns path, modified when
// one does and the file's digest differs from its record.
type PackageChecker interface {
	Check(path string) (unowned, modified bool)
}

// Options configure an Engine.
type Options struct {
	// Allow removes the hits its entries describe (nil: none).
	Allow *AllowList
	// SampleSHA256 is the sample's digest, for allow-list entries by
	// sha256.
	SampleSHA256 string
	// Packages answers exec.unowned and exec.modified (nil: both false).
	Packages PackageChecker
	// OnHit, when set, is called at every hit that the allow-list keeps,
	// as it happens (live monitoring), from the goroutine feeding events,
	// and at every escalation (CombinedRule).
	OnHit func(Hit)
	// Combine is the window within which two distinct WARNING rules on
	// the sample's process tree raise an ALERT (CombinedRule); 0 is
	// DefaultCooldown. Without timestamps the window spans the trace.
	Combine time.Duration
}

// process is one entry of the process table.
type process struct {
	pid, ppid   int
	exe         string
	argv        []string
	comm        string // from prctl(PR_SET_NAME)
	cwd         string
	root        string // the folder chroot made its root; "" for /
	execd       bool   // made a successful exec in this trace
	exited      bool
	stdioSocket bool // socketStdio != 0
	// connected: the process tried an IPv4 or IPv6 connect (whatever
	// its result; a name server's port 53 aside) since its last exec,
	// or its parent had before the fork.
	connected   bool
	socketStdio uint8 // bits 0-2: that descriptor holds a socket duplicated onto it
	memfds      []int
	seq         uint64 // insertion or exit order, for eviction
	// executed is the file the kernel runs when it is not exe: a script's
	// interpreter, or (eBPF) what a symbolic link named; "" when the same
	// or not known. A script's identity is exe and executed together.
	executed string
	// sniff is, under strace, the script (exe) whose first read by the
	// process, "#!...", names its interpreter; sniffLeft the reads it
	// is still looked for in.
	sniff     string
	sniffLeft uint16
	// stdinPipe and stdoutPipe are the inodes of the pipes duplicated
	// onto the standard input and output (0: none known), kept when the
	// descriptor is closed and after the process ended: a writer that
	// wrote its all and exited before its reader started is still the
	// pipe's other end.
	stdinPipe, stdoutPipe uint64
}

// names returns the process's program names: exe's last element and, for
// a script, its interpreter's.
func (p *process) names(out []string) []string {
	if p.exe != "" {
		out = append(out, baseName(p.exe))
	}
	if p.executed != "" {
		out = append(out, baseName(p.executed))
	}
	return out
}

// exes returns exe and, when known and different, executed.
func (p *process) exes() []string {
	if p.executed == "" {
		if p.exe == "" {
			return nil
		}
		return []string{p.exe}
	}
	if p.exe == "" {
		return []string{p.executed}
	}
	return []string{p.exe, p.executed}
}

func (p *process) commName() string {
	if p.comm != "" {
		return p.comm
	}
	return baseName(p.exe)
}

func (p *process) hasMemfd(fd int) bool {
	for _, m := range p.memfds {
		if m == fd {
			return true
		}
	}
	return false
}

// stateOp is what a call changes in the process state.
type stateOp uint8

const (
	stNone stateOp = iota
	stOpen
	stWritePath // creat, rename*, link*, symlink*: the (last) path is new
	stChmod
	stMemfd
	stDup
	stPrctl
	stChdir
	stClose
	stSymlink // symlink, symlinkat: a link the resolver follows from now on
	stUnlink  // unlink, unlinkat: a link made in the trace is gone
	stChroot
	stConnect // connect: an IPv4 or IPv6 connect attempt (proc.connected), set before the quiet cache
)

var stateCalls = map[string]stateOp{
	"open": stOpen, "openat": stOpen, "openat2": stOpen, "creat": stWritePath,
	"rename": stWritePath, "renameat": stWritePath, "renameat2": stWritePath,
	"link": stWritePath, "linkat": stWritePath,
	"chmod": stChmod, "fchmod": stChmod, "fchmodat": stChmod, "fchmodat2": stChmod,
	"memfd_create": stMemfd, "dup2": stDup, "dup3": stDup, "prctl": stPrctl,
	"chdir": stChdir, "fchdir": stChdir, "close": stClose,
	"symlink": stSymlink, "symlinkat": stSymlink, "unlink": stUnlink, "unlinkat": stUnlink, "chroot": stChroot,
	"execve": stNone, "execveat": stNone, "connect": stConnect,
}

// Engine judges one sample's events. It is not safe for concurrent use;
// use one per sample.
type Engine struct {
	set  *Set
	opts Options

	procs   map[int]*process
	seq     uint64
	root    int  // pid of the trace's first process
	started bool // the first event was seen
	rootExe bool // the first event was the root's exec (the sample's start)

	written writtenSet
	// links are the symlinks the trace made; hostLinks caches the host's
	// (see resolve.go), resolved the resolutions of absolute paths while
	// the trace has made none.
	links     linkTable
	hostLinks map[string]string
	resolved  map[resolvedKey]string
	built     builtSet // written paths whose last writer was a compiler or linker
	// quiet holds the keys (see quietSet) of pure calls that hit nothing
	// and changed nothing; keyMasks, by callRules.idx, the arguments the
	// keys of each call name hold.
	quiet    []*quietSet // by callRules.idx
	keyBuf   []byte
	names    [256]nameSlot
	execArgv execArgvCache
	// argvMemo maps exec argv texts to their decoded argv (see argvOf).
	argvMemo  map[string][]string
	sockMemo  map[string]*sockaddr // socket address texts, parsed (see sockaddrOf)
	argvBytes int
	calls     uint64 // decoded calls so far
	memo      memoTable
	ctx       evalCtx
	findings  []*Finding
	states    []*ruleState // by Rule.idx
	// procCache holds processes of procs by pid modulo its length, for
	// proc; it is cleared whenever procs changes.
	procCache [16]*process
	noQuiet   bool // judge every call in full (tests compare the two ways)
	// findingStates[i] is the state of the rule of findings[i].
	findingStates []*ruleState
	err           error
	// sniffing counts the processes whose script's first read is looked
	// for (process.sniff); while it is 0, reads cost nothing.
	sniffing int
	// combo is the escalation finding (CombinedRule), comboRules the
	// rules it combined, in order; comboPairs when each pair of rules
	// last raised it.
	combo      *Finding
	comboRules []string
	comboPairs map[[2]string]time.Duration
}

// argvOf decodes an exec's argv argument, remembering the argv of texts
// seen before: programs run the same command lines again and again. The
// slices returned are shared and never changed.
func (e *Engine) argvOf(text string) []string {
	if argv, ok := e.argvMemo[text]; ok {
		return argv
	}
	argv, _ := trace.ParseStringArray(text)
	if len(e.argvMemo) >= maxArgvMemo || e.argvBytes+len(text) > maxArgvMemoBytes {
		clear(e.argvMemo)
		e.argvBytes = 0
	}
	e.argvMemo[strings.Clone(text)] = argv
	e.argvBytes += len(text)
	return argv
}

// Bounds on the remembered argv texts.
const (
	maxArgvMemo      = 1024
	maxArgvMemoBytes = 4 << 20
)

// execArgvCache keeps the argv decoded while judging an exec call for the
// EventExec that follows the same call.
type execArgvCache struct {
	seq  uint64 // Engine.calls when decoded (the parser reuses one *Call)
	argv []string
	ok   bool
}

type ruleState struct {
	finding *Finding
	last    time.Duration // time of the last hit
	hasLast bool
	times   []time.Duration // window: times of matches (count windows)
	// Distinct windows: each value with the time it was last seen, also
	// listed from the least to the most recently seen.
	values     map[string]*winSlot
	head, tail *winSlot
	facts      []string // the outcomes of the evidence kept (keepEvidence)
	// lastHit is a WARNING rule's last hit, for the escalation.
	lastHit hitRecord
}

// hitRecord is the evidence of a hit kept in buffers that are reused from
// one hit to the next: a rule that hits often costs no allocation, and
// the Evidence is made only when an escalation uses it.
type hitRecord struct {
	ok, timeOK        bool
	hasPath, hasGiven bool
	pid               int
	time              float64
	syscall           []byte // callText
	path, given       []byte // Evidence.Path and AsGiven before clip, cut past MaxEvidenceBytes
}

// record keeps the evidence of the call being judged: what
// evalCtx.evidence returns.
func (h *hitRecord) record(c *evalCtx) {
	h.ok, h.pid = true, c.ev.PID
	t, ok := eventTime(c.ev)
	h.time, h.timeOK = t.Seconds(), ok
	h.syscall = appendCallText(h.syscall[:0], c.call)
	h.hasPath, h.hasGiven = false, false
	if ps := c.paths(); len(ps) > 0 {
		h.hasPath = true
		h.path = append(h.path[:0], ps[0][:min(len(ps[0]), MaxEvidenceBytes+1)]...)
		if g := c.pathGiven[0]; g != ps[0] {
			h.hasGiven = true
			h.given = append(h.given[:0], g[:min(len(g), MaxEvidenceBytes+1)]...)
		}
	}
}

// evidence returns the Evidence recorded.
func (h *hitRecord) evidence() Evidence {
	ev := Evidence{PID: h.pid, Syscall: string(h.syscall)}
	if h.timeOK {
		x := h.time
		ev.Time = &x
	}
	if h.hasPath {
		ev.Path = clip(string(h.path))
		if h.hasGiven {
			ev.AsGiven = clip(string(h.given))
		}
	}
	return ev
}

// winSlot is a distinct value of a window with the time it was last
// seen; v is the engine's own copy of the value.
type winSlot struct {
	v          string
	t          time.Duration
	prev, next *winSlot
}

func (st *ruleState) push(x *winSlot) {
	x.prev, x.next = st.tail, nil
	if st.tail != nil {
		st.tail.next = x
	} else {
		st.head = x
	}
	st.tail = x
}

func (st *ruleState) unlink(x *winSlot) {
	if x.prev != nil {
		x.prev.next = x.next
	} else {
		st.head = x.next
	}
	if x.next != nil {
		x.next.prev = x.prev
	} else {
		st.tail = x.prev
	}
	x.prev, x.next = nil, nil
}

// NewEngine returns an engine for one sample. The set must be compiled.
func (s *Set) NewEngine(opts Options) *Engine {
	if !s.compiled {
		panic("rules: NewEngine on a set that is not compiled")
	}
	return &Engine{set: s, opts: opts, procs: map[int]*process{}, states: make([]*ruleState, len(s.active)), argvMemo: map[string][]string{}, sockMemo: map[string]*sockaddr{}, memo: newMemoTable(s.memos), quiet: make([]*quietSet, len(s.calls))}
}

// Event feeds one event of the sample, in trace order. It never fails: the
// error is there to be a trace.ParseEvents callback.
func (e *Engine) Event(ev *trace.Event) error {
	if !e.started {
		e.started = true
		e.root = ev.PID
		e.rootExe = ev.Kind == trace.EventCall && (ev.Call.Name == "execve" || ev.Call.Name == "execveat")
	}
	switch ev.Kind {
	case trace.EventCall:
		cr := e.lookup(ev.Call.Name)
		if cr == nil && e.set.star != nil && (ev.Call.Compat || !e.set.starCompatOnly) {
			cr = e.set.star
		}
		if cr != nil {
			e.call(ev, cr)
		}
		if e.sniffing > 0 && ev.Call.Name == "read" {
			e.sniffRead(ev)
		}
	case trace.EventSpawn:
		e.spawn(ev.PID, ev.Child)
	case trace.EventExec:
		p := e.proc(ev.PID)
		c := ev.Call
		p.exe = execPath(c, p.exe)
		if c.Name == "execveat" {
			if p.exe == "" || !strings.HasPrefix(p.exe, "/") {
				if d := decoration(c.Arg(0)); d != "" {
					if p.exe == "" {
						p.exe = d
					} else if strings.HasPrefix(d, "/") {
						p.exe = cleanPath(d + "/" + p.exe)
					}
				}
			}
		} else if p.exe != "" && !strings.HasPrefix(p.exe, "/") && p.cwd != "" {
			p.exe = cleanPath(p.cwd + "/" + p.exe)
		}
		if e.execArgv.ok && e.execArgv.seq == e.calls {
			p.argv = e.execArgv.argv
		} else {
			p.argv, _ = c.ExecArgv()
		}
		e.execArgv = execArgvCache{}
		if len(p.argv) > 64 {
			p.argv = p.argv[:64]
		}
		p.comm = ""
		p.execd = true
		p.connected = false
		// The file the kernel executed (the eBPF tracer tells it): a
		// script's interpreter. strace does not: the script's first read
		// by its interpreter tells it (sniffRead).
		p.executed = ""
		if rp := c.RetPath; strings.HasPrefix(rp, "/") && rp != p.exe {
			p.executed = rp
		}
		e.stopSniff(p)
		if c.RetPath == "" && p.exe != "" {
			p.sniff, p.sniffLeft = path.Clean(p.exe), maxSniffReads
			e.sniffing++
		}
	case trace.EventExit:
		if p := e.procs[ev.PID]; p != nil && !p.exited {
			e.stopSniff(p)
			p.exited = true
			e.seq++
			p.seq = e.seq
		}
	}
	return nil
}

// execPath is c.ExecPath(), returning old itself when they are the same
// (a process runs the program it ran last), so that the text is copied
// only when it changes.
func execPath(c *trace.Call, old string) string {
	if s := c.ExecPathView(); s != old {
		return strings.Clone(s)
	}
	return old
}

// maxSniffReads bounds the reads in which a program's script is looked
// for: an interpreter reads its script before it runs it, after its own
// start-up (a few reads for a shell, a few dozen for Python).
const maxSniffReads = 256

func (e *Engine) stopSniff(p *process) {
	if p.sniff != "" {
		p.sniff = ""
		e.sniffing--
	}
}

// sniffRead looks in a read for the first line of a script its
// interpreter reads: read(3</tmp/x.sh>, "#!/bin/bash\n...", 80) makes
// /bin/bash the executed file of the process that exec'd /tmp/x.sh.
func (e *Engine) sniffRead(ev *trace.Event) {
	p := e.known(ev.PID)
	if p == nil || p.sniff == "" {
		return
	}
	if p.sniffLeft--; p.sniffLeft == 0 {
		e.stopSniff(p)
	}
	c := ev.Call
	if c.Errno != "" {
		return
	}
	// The script as the kernel opened it for its interpreter; a relative
	// path (the working folder not known) by its end. Most reads are of
	// other files, told in place: the descriptor's decoration begins
	// after the text's first '<'.
	raw := c.ArgsView()
	if i := strings.IndexByte(raw, '<'); i < 0 || strings.HasPrefix(p.sniff, "/") && !strings.HasPrefix(raw[i+1:], p.sniff) {
		return
	}
	d := decoration(c.Arg(0))
	if d != p.sniff && (strings.HasPrefix(p.sniff, "/") || !pathEndsWith(d, p.sniff)) {
		return
	}
	// The interpreter may read other parts first (Python reads its
	// script's end, looking for a zip archive).
	data, _, ok := trace.Unquote(c.Arg(1))
	if !ok || !strings.HasPrefix(data, "#!") {
		return
	}
	e.stopSniff(p)
	if interp := shebang(data); interp != "" && interp != p.exe {
		p.executed = strings.Clone(interp)
	}
}

// pathEndsWith says whether d ends in "/"+name.
func pathEndsWith(d, name string) bool {
	return len(d) > len(name) && d[len(d)-len(name)-1] == '/' && strings.HasSuffix(d, name)
}

// shebang returns the interpreter a script's first line names
// ("#!/bin/bash -e" names /bin/bash), or "".
func shebang(data string) string {
	line := data[2:]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) == 0 || !strings.HasPrefix(f[0], "/") || len(f[0]) > MaxEvidenceBytes {
		return ""
	}
	return cleanPath(f[0])
}

// lookup returns what to do with calls of the name, nil for nothing.
// Names are interned by the parser, so a small cache keyed by the string's
// address spares most map lookups.
func (e *Engine) lookup(name string) *callRules {
	if name == "" {
		return nil
	}
	p := unsafe.StringData(name)
	slot := &e.names[(uintptr(unsafe.Pointer(p))>>3)%uintptr(len(e.names))]
	if slot.p == p && slot.n == len(name) {
		return slot.cr
	}
	cr := e.set.calls[name]
	*slot = nameSlot{p: p, n: len(name), cr: cr}
	return cr
}

type nameSlot struct {
	p  *byte
	n  int
	cr *callRules
}

// known returns the table entry of pid, or nil.
func (e *Engine) known(pid int) *process {
	slot := &e.procCache[uint(pid)%uint(len(e.procCache))]
	if p := *slot; p != nil && p.pid == pid {
		return p
	}
	p := e.procs[pid]
	if p != nil {
		*slot = p
	}
	return p
}

// proc returns the table entry of pid, creating it (parent unknown) when
// the trace did not show its start.
func (e *Engine) proc(pid int) *process {
	if p := e.known(pid); p != nil {
		return p
	}
	p := &process{pid: pid}
	e.add(p)
	return p
}

func (e *Engine) add(p *process) {
	if len(e.procs) >= MaxProcs {
		e.evict()
	}
	e.seq++
	p.seq = e.seq
	e.procs[p.pid] = p
	e.procCache = [len(e.procCache)]*process{}
}

// evict removes the oldest exited process, or the oldest one when none
// has exited. Eviction scans the table, but runs at most once per process
// start beyond MaxProcs.
func (e *Engine) evict() {
	var victim *process
	for _, p := range e.procs {
		if victim == nil || p.exited && !victim.exited || p.exited == victim.exited && p.seq < victim.seq {
			victim = p
		}
	}
	if victim != nil {
		e.stopSniff(victim)
		delete(e.procs, victim.pid)
		e.procCache = [len(e.procCache)]*process{}
	}
}

func (e *Engine) spawn(parent, child int) {
	pp := e.proc(parent)
	if old := e.procs[child]; old != nil && !old.exited && old.ppid == 0 && child != parent {
		// The child's calls came first: strace -f may print them before
		// the parent's clone returns. It is this child, not a reused pid:
		// it learns its parent, and what it has not changed is inherited.
		old.ppid = parent
		if !old.execd {
			old.exe, old.argv, old.comm = pp.exe, pp.argv, pp.comm
		}
		if old.cwd == "" {
			old.cwd = pp.cwd
		}
		if old.root == "" {
			old.root = pp.root
		}
		if old.socketStdio == 0 {
			old.stdioSocket, old.socketStdio = pp.stdioSocket, pp.socketStdio
		}
		if !old.execd {
			old.connected = old.connected || pp.connected
		}
		if old.memfds == nil && len(pp.memfds) > 0 {
			old.memfds = append([]int(nil), pp.memfds...)
		}
		if !old.execd {
			old.executed = pp.executed
		}
		if old.stdinPipe == 0 && old.stdoutPipe == 0 {
			old.stdinPipe, old.stdoutPipe = pp.stdinPipe, pp.stdoutPipe
		}
		return
	}
	c := &process{pid: child, ppid: parent, exe: pp.exe, executed: pp.executed, argv: pp.argv, comm: pp.comm, cwd: pp.cwd, root: pp.root, stdioSocket: pp.stdioSocket, socketStdio: pp.socketStdio,
		connected: pp.connected, stdinPipe: pp.stdinPipe, stdoutPipe: pp.stdoutPipe}
	if len(pp.memfds) > 0 {
		c.memfds = append([]int(nil), pp.memfds...)
	}
	if old := e.procs[child]; old != nil {
		e.stopSniff(old)
		delete(e.procs, child) // pid reuse
		e.procCache = [len(e.procCache)]*process{}
	}
	e.add(c)
}

func (e *Engine) parent(p *process) *process {
	if p == nil || p.ppid == 0 {
		return nil
	}
	return e.procs[p.ppid]
}

func (e *Engine) chain(p *process) []string {
	var out []string
	for q, n := e.parent(p), 0; q != nil && n < maxChain; q, n = e.parent(q), n+1 {
		out = append(out, baseName(q.exe))
	}
	return out
}

// chainNames is chain with, for a script, its interpreter's name beside
// its own: the proc.chain field.
func (e *Engine) chainNames(p *process) []string {
	var out []string
	for q, n := e.parent(p), 0; q != nil && n < maxChain; q, n = e.parent(q), n+1 {
		out = append(out, baseName(q.exe))
		if q.executed != "" {
			out = append(out, baseName(q.executed))
		}
	}
	return out
}

func (e *Engine) call(ev *trace.Event, cr *callRules) {
	c := ev.Call
	p := e.proc(ev.PID)
	first := false
	if (c.Name == "execve" || c.Name == "execveat") && e.rootExe && ev.PID == e.root && !p.execd {
		first = true
	}
	ctx := &e.ctx
	e.calls++
	ctx.reset(e, ev, p, first)
	ctx.sysMask, ctx.pathSpecs = cr.sysMask, cr.paths
	if cr == e.set.star {
		// One entry for the names no rule names: their "syscall is"
		// matchers and path arguments are looked up per call.
		for i, set := range e.set.sysSets {
			if contains(set, c.Name) {
				ctx.sysMask |= 1 << i
			}
		}
		ctx.pathSpecs = pathArgs[c.Name]
	}
	if cr.atCall {
		if raw := ctx.rawArgs(); strings.HasPrefix(raw, "AT_FDCWD</") {
			if end := skipAngle(raw, len("AT_FDCWD<")); raw[end-1] == '>' {
				if d := raw[len("AT_FDCWD<") : end-1]; d != p.cwd {
					p.cwd = strings.Clone(d)
				}
			}
		}
	}
	// A pure call name's call that agrees, in every argument the rules
	// read, with a call that changed nothing does what it did: each rule
	// that found it false by pure fields alone (its text, not the process
	// or the time) reads the same fields and finds it false again. The
	// quiet cache remembers, per key, which rules those were: a call that
	// every rule found so is skipped whole, and for one that some did
	// only the others are judged (a rule that asks the process name once
	// a path matched leaves the name's other rules remembered).
	// A call through the i386 entry point is never quiet: its text does
	// not say so (the compat field).
	quiet := cr.pure && !e.noQuiet && !c.Compat
	if cr.state == stConnect && !p.connected {
		// Before the quiet cache: a connect that no rule hits still marks
		// its process (proc.connected), and no connect rule reads it.
		if sa := ctx.sock(); (sa.family == "AF_INET" || sa.family == "AF_INET6") && !(sa.hasPort && sa.port == 53) {
			p.connected = true
		}
	}
	w := cr.words
	var known []uint64 // the rules the cache found false for this text; nil: none
	if quiet {
		if q := e.quiet[cr.idx]; q != nil {
			if m := q.of(c.Errno); m != nil {
				if off := q.find(m, e.quietText(ctx, q.mask), c.RetPath); off >= 0 {
					if q.bits[int(off)+w] != 0 {
						return
					}
					known = q.bits[off : int(off)+w]
				}
			}
		}
	}
	e.updateState(ctx, cr.state)
	// falseRules (bit i: cr.rules[i]): false by pure fields alone.
	falseRules := ctx.falseRules(w)
	newFalse := false // a rule not in the entry was
	if known != nil {
		copy(falseRules, known)
	}
	all := true // every rule was
	// The rules the entry does not rule out, in order: the bits of each
	// word of falseRules still clear.
	for k := range w {
		todo := ^falseRules[k]
		if rest := len(cr.rules) - 64*k; rest < 64 {
			todo &= 1<<rest - 1
		}
		for ; todo != 0; todo &= todo - 1 {
			b := bits.TrailingZeros64(todo)
			r, bit := cr.rules[64*k+b], uint64(1)<<b
			if r.compatOnly && !c.Compat {
				// False by the compat field, which is pure.
				falseRules[k] |= bit
				newFalse = true
				continue
			}
			ctx.ruleImpure = false
			if r.cond.eval(ctx) {
				all = false
				if e.windowHit(r, ctx) {
					e.hit(r, ctx)
				}
			} else if ctx.ruleImpure {
				all = false
			} else {
				falseRules[k] |= bit
				newFalse = true
			}
		}
	}
	// A call whose entry says all it could is not written again; a partial
	// entry is written only while the name's keys have room, so calls
	// whose texts never repeat (a connect from a new port each time) do
	// not push out the keys of those that do.
	if quiet && newFalse && !ctx.usedCwd && !ctx.changed &&
		(all || e.quiet[cr.idx].room(ctx.used, c.Errno)) {
		q := e.quiet[cr.idx]
		if q == nil {
			q = &quietSet{}
			e.quiet[cr.idx] = q
		}
		if ctx.used&^q.mask != 0 {
			// A call read an argument the keys leave out: they no longer
			// stand for what they skip.
			q.mask |= ctx.used
			q.reset()
		}
		if q.n >= maxQuiet || len(q.sets) >= maxQuietErrnos {
			q.reset()
		}
		m := q.of(c.Errno)
		if m == nil {
			m = map[string]int32{}
			q.sets = append(q.sets, errnoSet{c.Errno, m})
		}
		text := e.quietText(ctx, q.mask)
		if off := q.find(m, text, c.RetPath); off >= 0 {
			b := q.bits[off : int(off)+w+1]
			for k := range w {
				b[k] |= falseRules[k]
			}
			if all {
				b[w] = 1
			}
		} else {
			off := int32(len(q.bits))
			q.bits = append(q.bits, falseRules...)
			q.bits = append(q.bits, 0)
			if all {
				q.bits[len(q.bits)-1] = 1
			}
			q.add(m, text, c.RetPath, off)
		}
	}
}

// quietSet holds, for one call name, the keys of calls that changed
// nothing, by errno, and the arguments the keys hold. A key is the text
// of the arguments the name's rules read (quietText) and the call's
// RetPath: the object a call opened is not in its text (the same path may
// name another file later, as /proc/self/fd/3 does), and the rules judge
// it. A text's keys are a chain in ents, one per RetPath. A key's entry,
// at its offset in bits, is a bit set of callRules.words words over the
// name's rules (bit i: cr.rules[i]) that found the text false by pure
// fields alone, then a word that is 1 when every rule of the name did.
type quietSet struct {
	mask uint64 // bit i: argument i; allArgs: the whole text
	sets []errnoSet
	n    int // keys in all sets
	ents []quietEnt
	bits []uint64
}

// quietEnt is one key of a text: its RetPath, the offset of its entry
// in bits, and the text's next key in ents (-1: none).
type quietEnt struct {
	ret       string
	off, next int32
}

type errnoSet struct {
	errno string
	m     map[string]int32 // text -> its first key in ents
}

// find returns the offset of the entry of text and ret in m, or -1.
func (q *quietSet) find(m map[string]int32, text, ret string) int32 {
	i, ok := m[text]
	if !ok {
		return -1
	}
	for ; i >= 0; i = q.ents[i].next {
		if q.ents[i].ret == ret {
			return q.ents[i].off
		}
	}
	return -1
}

// add records the key of text and ret, whose entry is at off. Both
// strings may alias the call: the set keeps copies, and a text already in
// m is never assigned again (assigning stores a string key anew).
func (q *quietSet) add(m map[string]int32, text, ret string, off int32) {
	i := int32(len(q.ents))
	ent := quietEnt{ret: strings.Clone(ret), off: off, next: -1}
	if first, ok := m[text]; ok {
		ent.next = q.ents[first].next
		q.ents = append(q.ents, ent)
		q.ents[first].next = i
	} else {
		q.ents = append(q.ents, ent)
		m[strings.Clone(text)] = i
	}
	q.n++
}

// reset forgets every key.
func (q *quietSet) reset() {
	q.sets, q.n, q.ents, q.bits = nil, 0, q.ents[:0], q.bits[:0]
}

// room says whether a key of a call that read the arguments used and
// failed with errno fits without dropping the keys there are (q may be nil).
func (q *quietSet) room(used uint64, errno string) bool {
	return q == nil || q.n < maxQuiet && used&^q.mask == 0 && (len(q.sets) < maxQuietErrnos || q.of(errno) != nil)
}

// maxQuietErrnos bounds the errnos of a name's quiet keys.
const maxQuietErrnos = 16

// of returns the keys of calls that failed with errno ("" for success),
// nil for none.
func (q *quietSet) of(errno string) map[string]int32 {
	for i := range q.sets {
		if q.sets[i].errno == errno {
			return q.sets[i].m
		}
	}
	return nil
}

// quietText returns the text of the call being judged that a quiet key
// holds under mask: the arguments the mask names. The evaluation of a pure
// call reads only its name, errno and arguments, and reads the next
// argument as the ones before it decide; two calls of a name that agree in
// errno and in every argument one of them read therefore take the same
// path. When the mask names the first k arguments (or all), the text is the
// argument text up to the end of argument k, a substring of the call's own
// text, so looking up costs no copy; otherwise the named arguments are
// written into a buffer of the engine, each with its index and length.
// Which of the two forms a name's keys take depends on its mask alone, and
// its keys are dropped when the mask changes.
func (e *Engine) quietText(ctx *evalCtx, mask uint64) string {
	raw := ctx.rawArgs()
	if mask&allArgs != 0 {
		return raw
	}
	m := mask &^ (1 << 62)
	if m&(m+1) == 0 { // arguments 0 to k
		k := bits.Len64(m) - 1
		if k < 0 {
			return ""
		}
		ctx.splitTo(k)
		if len(ctx.argEnd) <= k {
			return raw // the whole text holds fewer arguments
		}
		return raw[:ctx.argEnd[k]]
	}
	return e.quietBuild(ctx, m)
}

func (e *Engine) quietBuild(ctx *evalCtx, m uint64) string {
	b := binary.LittleEndian.AppendUint64(e.keyBuf[:0], m)
	for ; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		a := ctx.argAt(i)
		b = binary.AppendUvarint(binary.AppendUvarint(b, uint64(i)), uint64(len(a)))
		b = append(b, a...)
	}
	e.keyBuf = b
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// maxQuiet bounds the remembered texts of calls that hit nothing.
const maxQuiet = 16384

func (e *Engine) updateState(ctx *evalCtx, op stateOp) {
	c, p := ctx.call, ctx.proc
	switch op {
	case stOpen:
		fl := ctx.arg(1)
		if c.Name == "openat" || c.Name == "openat2" {
			fl = ctx.arg(2)
		}
		if strings.Contains(fl, "O_WRONLY") || strings.Contains(fl, "O_RDWR") || strings.Contains(fl, "O_CREAT") {
			ctx.changed = true
			if ps := ctx.paths(); len(ps) > 0 {
				e.noteWritten(ctx, ps[0])
			}
		}
	case stWritePath:
		ps := ctx.paths()
		switch {
		case len(ps) == 2 && strings.HasPrefix(c.Name, "rename") && c.Errno == "" && e.built.has(ps[0]):
			// A builder's output moved into place keeps what it is (go
			// build renames its link's a.out to the -o name).
			e.noteBuilt(ps[1])
		case len(ps) > 0:
			e.noteWritten(ctx, ps[len(ps)-1])
		}
		// A rename moves a link the trace made, or replaces one.
		if len(ps) == 2 && len(e.links.m) > 0 && c.Errno == "" && strings.HasPrefix(c.Name, "rename") {
			t, moved := e.links.get(ps[0])
			_, replaced := e.links.get(ps[1])
			if moved || replaced {
				ctx.changed = true
				if moved {
					e.links.del(ps[0])
					e.links.set(strings.Clone(ps[1]), t)
				} else {
					e.links.del(ps[1])
				}
				e.linksChanged()
			}
		}
	case stChmod:
		if m, ok := ctx.mode(); ok && m&0o111 != 0 {
			if c.Name == "fchmod" {
				if d := decoration(ctx.arg(0)); strings.HasPrefix(d, "/") {
					e.noteWritten(ctx, d)
				}
			} else if ps := ctx.paths(); len(ps) > 0 {
				e.noteWritten(ctx, ps[0])
			}
		}
	case stMemfd:
		if c.RetKnown && c.Ret >= 0 && c.Errno == "" && len(p.memfds) < MaxMemfds {
			p.memfds = append(p.memfds, int(c.Ret))
		}
	case stDup:
		if n, ok := fdNum(ctx.arg(1)); ok && n <= 1 && c.Errno == "" {
			// A pipe onto the standard input or output: the ends the
			// pipe.pair field pairs.
			ino := pipeInode(decoration(ctx.arg(0)))
			if n == 0 && p.stdinPipe != ino || n == 1 && p.stdoutPipe != ino {
				ctx.changed = true
				if n == 0 {
					p.stdinPipe = ino
				} else {
					p.stdoutPipe = ino
				}
			}
		}
		if n, ok := fdNum(ctx.arg(1)); ok && n <= 2 && c.Errno == "" {
			if isSocketDecoration(decoration(ctx.arg(0))) {
				p.socketStdio |= 1 << n
			} else {
				p.socketStdio &^= 1 << n
			}
			p.stdioSocket = p.socketStdio != 0
		}
		if n, ok := fdNum(ctx.arg(1)); ok && p.hasMemfd(int(n)) {
			p.dropMemfd(int(n))
		}
	case stClose:
		if p.socketStdio != 0 && c.Errno == "" {
			if n, ok := fdNum(ctx.arg(0)); ok && n <= 2 {
				p.socketStdio &^= 1 << n
				p.stdioSocket = p.socketStdio != 0
			}
		}
		if len(p.memfds) > 0 {
			if n, ok := fdNum(ctx.arg(0)); ok {
				p.dropMemfd(int(n))
			}
		}
	case stPrctl:
		if strings.HasPrefix(ctx.arg(0), "PR_SET_NAME") {
			if s, _, ok := trace.Unquote(ctx.arg(1)); ok && c.Errno == "" {
				p.comm = strings.Clone(s)
			}
		}
	case stSymlink:
		// symlink(target, linkpath), symlinkat(target, dirfd, linkpath).
		if c.Errno != "" || !c.RetKnown {
			return
		}
		target, _, ok := trace.Unquote(ctx.arg(0))
		if ps := ctx.paths(); ok && target != "" && len(ps) > 0 && strings.HasPrefix(ps[0], "/") {
			ctx.changed = true
			e.links.set(strings.Clone(ps[0]), strings.Clone(target))
			e.linksChanged()
		}
	case stUnlink:
		if c.Errno != "" || len(e.links.m) == 0 {
			return
		}
		if ps := ctx.paths(); len(ps) > 0 {
			if _, ok := e.links.get(ps[0]); ok {
				ctx.changed = true
				e.links.del(ps[0])
				e.linksChanged()
			}
		}
	case stChroot:
		if c.Errno != "" {
			return
		}
		if ps := ctx.paths(); len(ps) > 0 && strings.HasPrefix(ps[0], "/") {
			ctx.changed = true
			p.root = strings.Clone(ps[0])
			if p.root == "/" {
				p.root = ""
			}
		}
	case stChdir:
		if c.Errno != "" {
			return
		}
		if c.Name == "fchdir" {
			if d := decoration(ctx.arg(0)); strings.HasPrefix(d, "/") {
				p.cwd = strings.Clone(d)
			}
		} else if ps := ctx.paths(); len(ps) > 0 && strings.HasPrefix(ps[0], "/") {
			p.cwd = strings.Clone(ps[0])
		}
	}
}

func (p *process) dropMemfd(fd int) {
	for i, m := range p.memfds {
		if m == fd {
			p.memfds = append(p.memfds[:i], p.memfds[i+1:]...)
			return
		}
	}
}

// pipeInode reads the inode of a pipe's -yy decoration, pipe:[1234];
// 0 for anything else.
func pipeInode(d string) uint64 {
	if !strings.HasPrefix(d, "pipe:[") || !strings.HasSuffix(d, "]") {
		return 0
	}
	n, err := strconv.ParseUint(d[len("pipe:["):len(d)-1], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func isSocketDecoration(d string) bool {
	for _, p := range []string{"TCP:", "TCPv6:", "UDP:", "UDPv6:", "UDPLITE:", "SCTP:", "socket:"} {
		if strings.HasPrefix(d, p) {
			return true
		}
	}
	return false
}

// windowHit reports whether a match of r is a hit: always for rules
// without a window, else when the window holds the count.
func (e *Engine) windowHit(r *Rule, ctx *evalCtx) bool {
	w := r.Window
	if w == nil {
		return true
	}
	st := e.state(r)
	now, ok := ctx.time()
	if !ok {
		now = 0
	}
	if r.winField < 0 {
		st.times = append(st.times, now)
		k := 0
		for k < len(st.times) && now-st.times[k] > w.Within {
			k++
		}
		st.times = st.times[k:]
		if len(st.times) > maxWindowEntries || len(st.times) > 4*w.Count {
			st.times = st.times[len(st.times)-w.Count:]
		}
		return len(st.times) >= w.Count
	}
	val := windowValue(ctx, r.winField)
	if val == "" {
		return false
	}
	if st.values == nil {
		st.values = map[string]*winSlot{}
	}
	// Expire the values last seen too long ago: the list runs from the
	// least to the most recently seen.
	for x := st.head; x != nil && now-x.t > w.Within; x = st.head {
		delete(st.values, x.v)
		st.unlink(x)
	}
	if x, seen := st.values[val]; seen {
		x.t = now
		st.unlink(x)
		st.push(x)
	} else if len(st.values) < maxWindowEntries {
		x := &winSlot{v: strings.Clone(val), t: now} // val may alias the call's argument text
		st.values[x.v] = x
		st.push(x)
	}
	return len(st.values) >= w.Count
}

func windowValue(ctx *evalCtx, id int) string {
	d := fields[id]
	if d.kind == kindInt {
		v, ok := d.num(ctx)
		if !ok {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	vs := ctx.strField(id)
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func (e *Engine) state(r *Rule) *ruleState {
	st := e.states[r.idx]
	if st == nil {
		st = &ruleState{}
		e.states[r.idx] = st
	}
	return st
}

func (e *Engine) process(p *process) Process {
	return Process{PID: p.pid, PPID: p.ppid, Exe: p.exe, Executed: p.executed, Argv: append([]string{}, p.argv...), Chain: append([]string{}, e.chain(p)...)}
}

func (e *Engine) hit(r *Rule, ctx *evalCtx) {
	if e.opts.Allow != nil && e.opts.Allow.allows(r.ID, ctx, e.opts.SampleSHA256) {
		return
	}
	st := e.state(r)
	f := st.finding
	if f == nil {
		f = &Finding{Rule: r.ID, Severity: r.Severity, First: evTime(ctx.ev), Message: r.format(ctx), Process: e.process(ctx.proc), Tags: r.Tags}
		st.finding = f
		e.findings = append(e.findings, f)
		e.findingStates = append(e.findingStates, st)
	}
	f.Count++
	st.last, st.hasLast = ctx.time()
	var outcome, object string
	switch {
	case e.opts.OnHit != nil:
		outcome, object = hitFacts(ctx)
	case len(f.Evidence) < maxEvidenceAll:
		outcome = hitOutcome(ctx.call) // hitFacts' outcome, without the object
	}
	var ev Evidence
	evOK := false
	if e.opts.OnHit != nil {
		ev, evOK = ctx.evidence(), true
		p := e.process(ctx.proc)
		e.opts.OnHit(Hit{Rule: r.ID, Severity: r.Severity, Message: r.format(ctx), Process: &p,
			Evidence: ev, Outcome: outcome, Object: object})
	}
	if st.keepEvidence(len(f.Evidence), outcome) {
		if !evOK {
			ev = ctx.evidence()
		}
		f.Evidence = append(f.Evidence, ev)
	}
	if r.Severity == Warning {
		st.lastHit.record(ctx)
		e.combine(r, st, ctx)
	}
}

// hitOutcome is the outcome hitFacts returns: "failed", "succeeded", or
// "" for a call that did not return.
func hitOutcome(c *trace.Call) string {
	switch {
	case c.Errno != "" || (c.RetKnown && c.Ret < 0 && c.Ret > -4096):
		return "failed"
	case c.RetKnown:
		return "succeeded"
	}
	return ""
}

// CombinedRule is the id of the escalation: two or more distinct WARNING
// rules on the sample's process tree within the combine window
// (Options.Combine, the alert log's cooldown) make an ALERT, "several
// anomalies at once". Its evidence is the hit of each rule combined
// (Evidence.Rule names it). INFO and ALERT rules and hits an allow-list
// removed never count, nor do the model's findings, which are not the
// engine's.
const CombinedRule = "multiple-warnings"

// maxComboEvidence bounds the evidence of the escalation: one hit per
// rule combined.
const maxComboEvidence = MaxEvidence + 2

// combine raises the escalation when WARNING rule r's hit (st.lastHit)
// comes within the window of another WARNING rule's last hit, once per
// pair of rules and window.
func (e *Engine) combine(r *Rule, st *ruleState, ctx *evalCtx) {
	within := e.opts.Combine
	if within <= 0 {
		within = DefaultCooldown
	}
	now, timed := ctx.time()
	for i, f := range e.findings {
		if f.Severity != Warning || f.Rule == r.ID || f == e.combo {
			continue
		}
		q := e.findingStates[i]
		if !q.lastHit.ok || timed && q.hasLast && now-q.last > within {
			continue
		}
		key := [2]string{f.Rule, r.ID}
		if key[0] > key[1] {
			key[0], key[1] = key[1], key[0]
		}
		if t, ok := e.comboPairs[key]; ok && (!timed || now-t <= within) {
			continue
		}
		if e.comboPairs == nil {
			e.comboPairs = map[[2]string]time.Duration{}
		}
		if len(e.comboPairs) < 1<<12 {
			e.comboPairs[key] = now
		}
		e.raiseCombo(f.Rule, q.lastHit.evidence(), r.ID, st.lastHit.evidence(), ctx, within)
	}
}

// raiseCombo records an escalation of rules a (its hit ea) and b (eb, the
// hit being judged).
func (e *Engine) raiseCombo(a string, ea Evidence, b string, eb Evidence, ctx *evalCtx, within time.Duration) {
	ea.Rule, eb.Rule = a, b
	f := e.combo
	if f == nil {
		f = &Finding{Rule: CombinedRule, Severity: Alert, First: evTime(ctx.ev), Process: e.process(ctx.proc)}
		e.combo = f
		e.findings = append(e.findings, f)
		e.findingStates = append(e.findingStates, &ruleState{finding: f})
	}
	st := e.findingStates[findingIndex(e.findings, f)]
	st.last, st.hasLast = ctx.time()
	// Count: the hits combined, each new rule's and the one being judged.
	added := 0
	for _, x := range []Evidence{ea, eb} {
		if !contains(e.comboRules, x.Rule) {
			added++
			e.comboRules = append(e.comboRules, x.Rule)
			if len(f.Evidence) < maxComboEvidence {
				f.Evidence = append(f.Evidence, x)
			}
		}
	}
	f.Count += max(added, 1)
	f.Message = comboMessage(e.comboRules, within)
	if e.opts.OnHit != nil {
		p := e.process(ctx.proc)
		e.opts.OnHit(Hit{Rule: CombinedRule, Severity: Alert, Message: comboMessage([]string{a, b}, within), Process: &p,
			Evidence: eb, Combined: []Evidence{ea, eb}, Object: a + "+" + b})
	}
}

func findingIndex(fs []*Finding, f *Finding) int {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i] == f {
			return i
		}
	}
	return -1
}

// comboMessage says which rules an escalation combined.
func comboMessage(ids []string, within time.Duration) string {
	return fmt.Sprintf("%d distinct WARNING rules on one process tree within %s: %s", len(ids), within, strings.Join(ids, ", "))
}

// Hit is one match of a rule, as it happens (Options.OnHit).
type Hit struct {
	Rule     string
	Severity Severity
	Message  string
	Process  *Process
	Evidence Evidence
	// Outcome ("failed", "succeeded" or "") and Object (the resolved path
	// or socket address, or "") tell this hit from others of the rule in
	// the alert log's cooldown (LogAlert). For an escalation Object names
	// the pair of rules ("persistence-write+system-dir-write").
	Outcome, Object string
	// Combined is, for an escalation (Rule is CombinedRule), the hit of
	// each rule combined, the earlier first; Evidence is the last.
	Combined []Evidence
}

// evTime is an event's time in seconds, or nil without one.
func evTime(ev *trace.Event) *float64 {
	t, ok := eventTime(ev)
	if !ok {
		return nil
	}
	x := t.Seconds()
	return &x
}

// eventTime is the one place the engine reads an event's timestamp.
func eventTime(ev *trace.Event) (time.Duration, bool) { return ev.Time() }

// format renders the rule's output for the call being judged.
func (r *Rule) format(ctx *evalCtx) string {
	if len(r.outParts) == 0 {
		return r.Description
	}
	var b strings.Builder
	for _, p := range r.outParts {
		if p.field < 0 {
			b.WriteString(p.text)
			continue
		}
		b.WriteString(fieldText(ctx, p.field))
	}
	s := b.String()
	if len(s) > 2*MaxEvidenceBytes {
		s = s[:2*MaxEvidenceBytes] + "..."
	}
	return s
}

func fieldText(ctx *evalCtx, id int) string {
	d := fields[id]
	switch d.kind {
	case kindBool:
		return strconv.FormatBool(d.bool(ctx))
	case kindInt:
		if v, ok := d.num(ctx); ok {
			return strconv.FormatInt(v, 10)
		}
		return "?"
	case kindFlags:
		return strings.Join(ctx.strField(id), "|")
	}
	vs := ctx.strField(id)
	if len(vs) == 0 {
		return "?"
	}
	return strconv.Quote(strings.Join(vs, " "))[1 : len(strconv.Quote(strings.Join(vs, " ")))-1]
}

// callText writes the call back as strace prints it.
func callText(c *trace.Call) string {
	var buf [MaxEvidenceBytes + 96]byte
	return string(appendCallText(buf[:0], c))
}

// appendCallText appends callText's text to b.
func appendCallText(b []byte, c *trace.Call) []byte {
	b = append(b, c.Name...)
	b = append(b, '(')
	args := c.ArgsView()
	if len(args) > MaxEvidenceBytes {
		b = append(b, args[:MaxEvidenceBytes]...)
		b = append(b, "..."...)
	} else {
		b = append(b, args...)
	}
	b = append(b, ") = "...)
	if c.RetKnown {
		b = strconv.AppendInt(b, c.Ret, 10)
	} else {
		b = append(b, '?')
	}
	if c.Errno != "" {
		b = append(b, ' ')
		b = append(b, c.Errno...)
	}
	return b
}

// Findings returns the sample's findings in the order they first hit. The
// engine keeps them; they change if more events are fed.
func (e *Engine) Findings() []Finding {
	out := make([]Finding, len(e.findings))
	for i, f := range e.findings {
		out[i] = *f
		out[i].Evidence = append([]Evidence(nil), f.Evidence...)
		if st := e.findingStates[i]; st.hasLast {
			x := st.last.Seconds()
			out[i].Last = &x
		}
	}
	return out
}

// ConfidentAnomaly is the model confidence from which an anomalous verdict
// counts as a WARNING.
const ConfidentAnomaly = 0.9

// SampleSeverity is a sample's severity from its findings (after
// allow-lists) and the model's verdict: the highest of the findings'
// severities and of the model's (WARNING for an anomalous verdict with
// confidence >= ConfidentAnomaly, INFO for a less confident one, NONE for a
// normal one). Two distinct WARNING rules within the combine window make
// an ALERT through the engine's escalation finding (CombinedRule), which
// the findings then hold; the model's verdict is never combined.
func SampleSeverity(findings []Finding, anomalous bool, confidence float64) Severity {
	sev := None
	if anomalous {
		sev = Info
		if confidence >= ConfidentAnomaly {
			sev = Warning
		}
	}
	for _, f := range findings {
		sev = max(sev, f.Severity)
	}
	return sev
}

// writtenSet remembers paths with a FIFO bound.
type writtenSet struct {
	m    map[string]struct{}
	ring []string
	next int
}

func (w *writtenSet) add(p string) {
	if w.m == nil {
		w.m = map[string]struct{}{}
	}
	if _, ok := w.m[p]; ok {
		return
	}
	p = strings.Clone(p) // p may alias the call's argument text
	if len(w.ring) < MaxWrittenFiles {
		w.ring = append(w.ring, p)
	} else {
		delete(w.m, w.ring[w.next])
		w.ring[w.next] = p
		w.next = (w.next + 1) % MaxWrittenFiles
	}
	w.m[p] = struct{}{}
}

func (w *writtenSet) has(p string) bool {
	_, ok := w.m[p]
	return ok
}

// Example results: CheckExamples runs every example of every active rule.

// ExampleFailure is an example that did not behave as its rule says.
type ExampleFailure struct {
	Rule    string
	Example Example
	Match   bool // the example was in match (it did not hit) or nomatch (it hit)
	Err     error
}

func (f ExampleFailure) Error() string {
	what := "match example did not hit"
	if !f.Match {
		what = "nomatch example hit"
	}
	if f.Err != nil {
		what = "example does not parse: " + f.Err.Error()
	}
	return fmt.Sprintf("%s:%d: rule %s: %s", f.Example.File, f.Example.Line, f.Rule, what)
}

// examplePackages is this machine's package database, shared by the
// example runs (read once, on the first exec an example shows).
var examplePackages = NewPackageDB("")

// RunExample feeds an example log to a fresh engine (with this machine's
// package database) and returns how many times rule id hit.
func (s *Set) RunExample(id, text string) (int, error) {
	e := s.NewEngine(Options{Packages: examplePackages})
	st, err := trace.ParseEvents(strings.NewReader(text), e.Event)
	if err != nil {
		return 0, err
	}
	if st.Calls == 0 {
		return 0, fmt.Errorf("no system call in the example")
	}
	if st.Skipped > 0 {
		return 0, fmt.Errorf("%d line(s) are not strace's", st.Skipped)
	}
	for _, f := range e.findings {
		if f.Rule == id {
			return f.Count, nil
		}
	}
	return 0, nil
}

// CheckExamples runs every example of every active rule and returns the
// failures, and the number of examples run.
func (s *Set) CheckExamples() (fails []ExampleFailure, n int) {
	for _, r := range s.active {
		for _, want := range []bool{true, false} {
			list := r.Examples.Match
			if !want {
				list = r.Examples.NoMatch
			}
			for _, ex := range list {
				n++
				got, err := s.RunExample(r.ID, ex.Text)
				if err != nil || (got > 0) != want {
					fails = append(fails, ExampleFailure{Rule: r.ID, Example: ex, Match: want, Err: err})
				}
			}
		}
	}
	return fails, n
}

// evidence describes the call being judged, with the object its path
// resolved to and, when different, the path as spelled.
func (c *evalCtx) evidence() Evidence {
	ev := Evidence{PID: c.ev.PID, Time: evTime(c.ev), Syscall: callText(c.call)}
	if ps := c.paths(); len(ps) > 0 {
		ev.Path = clip(ps[0])
		if g := c.pathGiven[0]; g != ps[0] {
			ev.AsGiven = clip(g)
		}
	}
	return ev
}

// clip copies s, cut to MaxEvidenceBytes.
func clip(s string) string {
	if len(s) > MaxEvidenceBytes {
		s = s[:MaxEvidenceBytes] + "..."
	}
	return strings.Clone(s)
}
