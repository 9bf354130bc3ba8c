package bpftrace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"github.com/elastic/go-libaudit/v2/auparse"
	"golang.org/x/sys/unix"
)

// Mode selects which processes are counted.
type Mode uint32

const (
	// All counts every process on the host.
	All Mode = 0
	// PidNS counts only processes in the pid namespace Config.NSDev/NSIno.
	PidNS Mode = 1
	// Cgroup counts only processes in the cgroup Config.CgroupID.
	Cgroup Mode = 2
)

// Config chooses the processes the tracer counts.
type Config struct {
	Mode     Mode
	NSDev    uint64 // device of the pid namespace's nsfs file (PidNS)
	NSIno    uint64 // inode of the pid namespace's nsfs file (PidNS)
	CgroupID uint64 // cgroup id (Cgroup)
	// Origin, when set, is the host pid of the process whose children's
	// counts restart when they first exec (a sandbox's init: what its
	// child did before becoming the program is the sandbox's); every
	// other exec keeps the calls made before it, as strace -f counts
	// them. 0 restarts every process's counts at every exec: counts per
	// program.
	Origin int

	// RingSize is the ring buffer's size in bytes, a power of two and a
	// multiple of the page size; 0 means 1 MiB.
	RingSize int
	// Calls names the calls sent as events, each with its first three
	// arguments as numbers (Event.Args) and: execve, openat, unlink,
	// unlinkat, chmod, fchmodat, truncate, stat, lstat, access,
	// newfstatat, faccessat, faccessat2 and statx with their path (but
	// newfstatat and statx on a descriptor, with an empty path, are not
	// sent, or in stream mode as Sys events: an fstat);
	// rename, renameat, renameat2, link, linkat, symlink and symlinkat
	// with their two paths;
	// delete_module with its name, prctl(PR_SET_NAME) with the name,
	// connect with its descriptor and address, listen with its
	// descriptor; what connect, listen, dup2, dup3, fchmod and
	// finit_module's descriptor is (Event.FD). nil means execve, openat and
	// connect.
	Calls []string
	// Stream makes every call of the chosen processes an event, sent as
	// it returns, with its return value (Event.RetKnown): the calls named
	// in Calls with their arguments, read at their exit, the others with
	// their name and first argument alone (Sys). The calls that start
	// processes are then told only by their Fork events and their Sys
	// events in the parent; a successful execve only by its Exec event;
	// exit, exit_group and rt_sigreturn are sent as they are entered,
	// without a return value. Without Stream,
	// the calls named in Calls are sent as they are entered, without
	// their return values.
	Stream bool
	// Interest, when set, keeps in the kernel the read-only opens (open,
	// openat without O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or O_APPEND) that
	// no rule could use: only those whose absolute path starts with one of
	// its prefixes (at most 63 bytes are compared), is one of its exact
	// paths, is relative or holds a "/." component (a hidden file or
	// "..") are sent. Nil sends every open.
	Interest *Interest
	// Self, when set, leaves detector's own processes out: those running
	// the executable Self.Exe names, and its sandboxes (a process that
	// execs that executable with argv[0] Self.Marker, and every process
	// below it). Their calls are neither counted nor sent.
	Self *Self
	// Rate and Burst bound the call events each process sends: Burst at
	// once, Rate more per second; a call over the bound is counted as
	// lost (Lost, Drops). Exec, fork and exit events, connect, listen,
	// execve, ptrace, the credential, module and kexec calls and the
	// opens the Interest names are never held back. Rate 0: no bound.
	Rate, Burst int
	// Fold sends a ptrace request (process_vm_readv, process_vm_writev)
	// once per second per process, request and target: the repeats, which
	// a tracer makes thousands of a second, are counted in Folded instead
	// (not in stream mode, where every call is sent).
	Fold bool
	// Events, when set, receives every event, from one goroutine. The
	// reader is woken only once a quarter of the ring is filled, and polls
	// every 100 ms; Close delivers what remains.
	Events func(Event)
}

// Interest is the kernel's filter of read-only opens (Config.Interest).
type Interest struct {
	Prefixes []string // absolute path prefixes, such as "/etc/cron" or "/root/"
	Exact    []string // absolute paths, such as "/etc/shadow"
}

// keyLen is the bytes of a path the kernel's filter compares (KEY_LEN).
const keyLen = 64

// Wants tells whether the kernel's filter sends a read-only open of path
// (the Go twin of interesting in bpf/tracer.c, for tests).
func (in *Interest) Wants(path string) bool {
	if in == nil || !strings.HasPrefix(path, "/") || strings.Contains(path, "/.") || len(path) >= keyLen-1 {
		return true
	}
	for _, p := range in.Prefixes {
		if strings.HasPrefix(path, p[:min(len(p), keyLen)]) {
			return true
		}
	}
	for _, p := range in.Exact {
		if path == p {
			return true
		}
	}
	return false
}

// Self names detector's own processes (Config.Self).
type Self struct {
	Exe    string // detector's executable, such as /proc/self/exe
	Marker string // argv[0] of a sandbox's init (at most 31 bytes)
}

// StreamRingSize is the ring size for a stream-mode run of one sample
// (Config.Stream): 16 MiB holds about 300,000 calls, what a program makes
// in a burst while the reader waits for a busy core.
const StreamRingSize = 16 << 20

// Kind is the kind of an Event.
type Kind uint32

const (
	Fork Kind = 1 // Pid started process Child
	Exec Kind = 2 // Pid executed Path
	Exit Kind = 3 // Pid exited with wait status Code
	Call Kind = 4 // Pid made call Name with Path or Addr
	Sys  Kind = 5 // Pid made call Name (Config.Stream), its first argument in Arg0
)

// Event is one record of the ring buffer.
type Event struct {
	Kind Kind
	Pid  int // thread-group id
	// Time is when the kernel saw the event, since the Unix epoch (its
	// monotonic clock, set against the wall clock when the tracer opened).
	Time  time.Duration
	Child int // Fork
	Code  int // Exit: wait status
	Name  string
	Path  string // Exec filename; Call: the (first) path, or a name
	Path2 string // Call: the second path (rename, link, symlink)
	Addr  []byte // Call connect: the sockaddr bytes (at most 128)
	Flags int    // Call openat: the open flags (O_WRONLY, O_CREAT...); connect, listen: the descriptor
	// Ret is the call's return value (a negative errno on failure) when
	// RetKnown: calls of Config.Stream, except exit, exit_group and
	// rt_sigreturn.
	Ret      int64
	RetKnown bool
	Arg0     int64 // Sys: the first argument
	// Args are a Call's first three arguments as numbers (registers):
	// descriptors, ids, modes, requests, flags.
	Args [3]int64
	// FD tells, for a Call whose first argument is a descriptor (connect,
	// listen, dup2, dup3, fchmod, finit_module) or, in an *at call with a
	// relative path, the folder it starts from, what it was when the call
	// was made; nil when the kernel side could not tell.
	FD *FD
	// Argv is an Exec's argument vector, read from the new program's
	// memory; ArgvCut is set when it was longer than 1 KiB and cut.
	Argv    []string
	ArgvCut bool
	// Sid is an Exec's session: the host pid of its leader (0 when the
	// kernel side could not tell).
	Sid int
	// Execs is, for an Exec, how many execs restarted the process's counts
	// before this one: with Pid, what ReplacedCounts asks for.
	Execs int
}

// FD is what a descriptor is: a socket, with its family, type and
// addresses, or something else (a file, a folder, a pipe), with its
// inode's number and file system.
type FD struct {
	Socket bool
	Family int            // AF_INET, AF_INET6, AF_UNIX...
	Type   int            // SOCK_STREAM, SOCK_DGRAM...
	Local  netip.AddrPort // AF_INET and AF_INET6
	Remote netip.AddrPort // AF_INET and AF_INET6; port 0 when not connected
	Ino    uint64
	Dev    uint32 // the inode's file system, as the kernel numbers it (not for sockets)
}

// PidNSOf returns the device and inode of pid's pid namespace, for Config.
func PidNSOf(pid int) (dev, ino uint64, err error) {
	var st syscall.Stat_t
	p := "/proc/" + strconv.Itoa(pid) + "/ns/pid"
	if err := syscall.Stat(p, &st); err != nil {
		return 0, 0, fmt.Errorf("stat %s: %w", p, err)
	}
	return st.Dev, st.Ino, nil
}

// Counts is one process's system-call histogram as counted in the kernel.
type Counts struct {
	Total       uint64
	Transitions uint64            // adjacent pairs of calls with different numbers
	Names       map[string]uint64 // x86_64 call name -> count
}

// straceSpelling renames go-libaudit's names where strace spells the x86_64
// call differently, so histograms match strace's.
var straceSpelling = map[string]string{"pread": "pread64", "pwrite": "pwrite64"}

// Tracer holds the loaded programs, maps and links; Close releases them all.
type Tracer struct {
	objs   tracerObjects
	reader *ringbuf.Reader
	ringMu sync.Mutex // RingFill against Close
	done   chan struct{}
	closed atomic.Bool
	links  []link.Link
	names  map[int]string
	stream bool
	epoch  int64 // the wall clock minus the monotonic clock, in ns
}

func explain(op string, err error) error {
	switch {
	case errors.Is(err, ebpf.ErrNotSupported):
		return fmt.Errorf("%s: this kernel does not support what the eBPF tracer needs: %w", op, err)
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%s: the eBPF tracer needs root, or CAP_BPF and CAP_PERFMON: %w", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Check tells, cheaply, whether the tracer can load here: the privilege
// (root, or CAP_BPF and CAP_PERFMON), raw tracepoints, ring buffers and
// the kernel's BTF, which the programs' relocations read. It loads and
// attaches a program that does nothing, where Open would verify the
// tracer's programs.
func Check() error {
	if err := rlimit.RemoveMemlock(); err != nil {
		return explain("bpftrace: remove memlock limit", err)
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return fmt.Errorf("bpftrace: this kernel has no BTF, which the eBPF tracer needs: %w", err)
	}
	ring, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.RingBuf, MaxEntries: uint32(os.Getpagesize())})
	if err != nil {
		return explain("bpftrace: create a ring buffer", err)
	}
	ring.Close()
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.RawTracepoint,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return explain("bpftrace: load a BPF program", err)
	}
	defer prog.Close()
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: prog})
	if err != nil {
		return explain("bpftrace: attach raw tracepoint sys_enter", err)
	}
	return l.Close()
}

// Open loads the BPF objects, sets the target filter and attaches the
// raw tracepoints. The caller must Close the Tracer.
func Open(c Config) (_ *Tracer, err error) {
	if c.Mode > Cgroup {
		return nil, fmt.Errorf("bpftrace: unknown mode %d", c.Mode)
	}
	names := map[int]string{}
	if tab, ok := auparse.AuditSyscalls["x86_64"]; ok {
		for n, name := range tab {
			if s, ok := straceSpelling[name]; ok {
				name = s
			}
			names[n] = name
		}
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, explain("bpftrace: remove memlock limit", err)
	}
	size := c.RingSize
	if size == 0 {
		size = 1 << 20
	}
	if size < os.Getpagesize() || size&(size-1) != 0 {
		return nil, fmt.Errorf("bpftrace: ring size %d is not a power of two of at least a page", size)
	}
	callNames := c.Calls
	if callNames == nil {
		callNames = []string{"execve", "openat", "connect"}
	}
	known := map[string]uint32{}
	for nr, n := range names {
		if nr >= 0 && nr < maxNr {
			known[n] = uint32(nr)
		}
	}
	spec, err := loadTracer()
	if err != nil {
		return nil, explain("bpftrace: read BPF objects", err)
	}
	spec.Maps["events"].MaxEntries = uint32(size)
	t := &Tracer{names: names, stream: c.Stream}
	var mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono); err != nil {
		return nil, fmt.Errorf("bpftrace: read the monotonic clock: %w", err)
	}
	t.epoch = time.Now().UnixNano() - mono.Nano()
	if err := spec.LoadAndAssign(&t.objs, nil); err != nil {
		return nil, explain("bpftrace: load BPF objects", err)
	}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	var stream uint32
	if c.Stream {
		stream = 1
	}
	cfg := tracerConfig{Mode: uint32(c.Mode), Stream: stream, NsDev: c.NSDev, NsIno: c.NSIno, CgroupId: c.CgroupID, Wakeup: uint64(size / 4), Origin: uint32(c.Origin)}
	if c.Rate < 0 || c.Burst < 0 || (c.Rate > 0 && c.Burst == 0) {
		return nil, fmt.Errorf("bpftrace: rate %d, burst %d: a rate needs a burst of at least 1", c.Rate, c.Burst)
	}
	cfg.Rate, cfg.Burst = uint32(c.Rate), uint32(c.Burst)
	if c.Fold {
		cfg.Fold = 1
	}
	if c.Self != nil {
		var st unix.Stat_t
		if err := unix.Stat(c.Self.Exe, &st); err != nil {
			return nil, fmt.Errorf("bpftrace: stat own executable %s: %w", c.Self.Exe, err)
		}
		if len(c.Self.Marker) == 0 || len(c.Self.Marker) >= len(cfg.Marker) {
			return nil, fmt.Errorf("bpftrace: sandbox marker %q is empty or longer than %d bytes", c.Self.Marker, len(cfg.Marker)-1)
		}
		// The kernel numbers devices major<<20 | minor.
		cfg.SelfDev = uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
		cfg.SelfIno = st.Ino
		for i := range len(c.Self.Marker) {
			cfg.Marker[i] = int8(c.Self.Marker[i])
		}
	}
	if c.Interest != nil {
		cfg.Filter = 1
		put := func(p string, exact bool) error {
			var k tracerPathKey
			if exact {
				p += "\x00"
			}
			n := copy(k.Data[:], p)
			k.Prefixlen = uint32(n * 8)
			return t.objs.Interest.Put(&k, uint8(1))
		}
		if len(c.Interest.Prefixes)+len(c.Interest.Exact) > int(t.objs.Interest.MaxEntries()) {
			return nil, fmt.Errorf("bpftrace: %d paths of interest, more than the kernel's map holds (%d)", len(c.Interest.Prefixes)+len(c.Interest.Exact), t.objs.Interest.MaxEntries())
		}
		for _, p := range c.Interest.Prefixes {
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("bpftrace: path prefix of interest %q is not absolute", p)
			}
			if err := put(p, false); err != nil {
				return nil, explain("bpftrace: write paths of interest", err)
			}
		}
		for _, p := range c.Interest.Exact {
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("bpftrace: path of interest %q is not absolute", p)
			}
			if len(p) >= keyLen-1 {
				continue // longer paths are always sent
			}
			if err := put(p, true); err != nil {
				return nil, explain("bpftrace: write paths of interest", err)
			}
		}
	}
	if err := t.objs.Cfg.Put(uint32(0), &cfg); err != nil {
		return nil, explain("bpftrace: write config map", err)
	}
	for _, n := range callNames {
		nr, ok := known[n]
		if !ok {
			return nil, fmt.Errorf("bpftrace: no x86_64 system call %q", n)
		}
		if err := t.objs.Calls.Put(nr, uint8(1)); err != nil {
			return nil, explain("bpftrace: write call set", err)
		}
	}
	t.reader, err = ringbuf.NewReader(t.objs.Events)
	if err != nil {
		return nil, explain("bpftrace: open ring buffer", err)
	}
	t.done = make(chan struct{})
	go t.read(c.Events)
	type attach struct {
		name string
		prog *ebpf.Program
	}
	hooks := []attach{
		{"sys_enter", t.objs.SysEnter},
		{"sched_process_exit", t.objs.ProcessExit},
		{"sched_process_fork", t.objs.ProcessFork},
		{"sched_process_exec", t.objs.ProcessExec},
	}
	if c.Stream {
		// Only then: the exit hook costs every call on the host.
		hooks = append(hooks, attach{"sys_exit", t.objs.SysExit})
	}
	for _, a := range hooks {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: a.name, Program: a.prog})
		if err != nil {
			return nil, explain("bpftrace: attach raw tracepoint "+a.name, err)
		}
		t.links = append(t.links, l)
	}
	return t, nil
}

// Counts returns the counts of the live process pid (thread-group id).
// ok is false when the tracer has not seen it (or it has exited).
func (t *Tracer) Counts(pid int) (c Counts, ok bool, err error) {
	var v tracerProcCounts
	if err := t.objs.Procs.Lookup(uint32(pid), &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return Counts{}, false, nil
		}
		return Counts{}, false, fmt.Errorf("bpftrace: read counts of pid %d: %w", pid, err)
	}
	return t.counts(&v), true, nil
}

func (t *Tracer) counts(v *tracerProcCounts) Counts {
	c := Counts{Transitions: v.Transitions, Names: map[string]uint64{}}
	for n, k := range v.Counts {
		if k == 0 {
			continue
		}
		c.Total += uint64(k)
		c.Names[t.name(n)] += uint64(k)
	}
	return c
}

// ExitedCounts returns, and forgets, the counts of the process pid that
// has exited: the kernel keeps them from its exit until they are read (at
// most 4,096 processes; older ones unread are dropped). ok is false when
// there are none.
func (t *Tracer) ExitedCounts(pid int) (c Counts, ok bool, err error) {
	var v tracerProcCounts
	if err := t.objs.Exited.LookupAndDelete(uint32(pid), &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return Counts{}, false, nil
		}
		return Counts{}, false, fmt.Errorf("bpftrace: read counts of exited pid %d: %w", pid, err)
	}
	return t.counts(&v), true, nil
}

// ReplacedCounts returns, and forgets, the counts of the program that an
// exec of process pid replaced, the one whose Exec event says execs
// (Config.Origin unset): the kernel keeps them from the exec until they
// are read (at most 1,024 programs; older ones unread are dropped). They
// end with the execve that replaced the program, which the new program's
// counts also begin with. ok is false when there are none.
func (t *Tracer) ReplacedCounts(pid, execs int) (c Counts, ok bool, err error) {
	var v tracerProcCounts
	k := tracerReplacedKey{Tgid: uint32(pid), Execs: uint32(execs)}
	if err := t.objs.Replaced.LookupAndDelete(&k, &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return Counts{}, false, nil
		}
		return Counts{}, false, fmt.Errorf("bpftrace: read counts of the program pid %d replaced: %w", pid, err)
	}
	return t.counts(&v), true, nil
}

// Full returns how many calls were not counted because the process map was full.
func (t *Tracer) Full() (uint64, error) {
	var per []uint64
	if err := t.objs.Full.Lookup(uint32(0), &per); err != nil {
		return 0, fmt.Errorf("bpftrace: read full counter: %w", err)
	}
	var s uint64
	for _, v := range per {
		s += v
	}
	return s, nil
}

// read delivers events until Close; it polls every 100 ms because the
// kernel side wakes it only when the ring is a quarter full.
func (t *Tracer) read(deliver func(Event)) {
	defer close(t.done)
	var rec ringbuf.Record
	for {
		t.reader.SetDeadline(time.Now().Add(100 * time.Millisecond))
		err := t.reader.ReadInto(&rec)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ringbuf.ErrFlushed) {
				if t.closed.Load() {
					return
				}
				continue
			}
			return // closed
		}
		if deliver == nil {
			continue
		}
		if len(rec.RawSample) < 4 {
			continue
		}
		switch Kind(binary.LittleEndian.Uint32(rec.RawSample)) {
		case Sys:
			if len(rec.RawSample) >= int(unsafe.Sizeof(rawSys{})) {
				s := (*rawSys)(unsafe.Pointer(&rec.RawSample[0]))
				deliver(Event{Kind: Sys, Pid: int(s.Pid), Time: t.time(s.Ts), Name: t.name(int(s.Nr)), Ret: s.Ret, RetKnown: s.Known != 0, Arg0: s.Arg0})
			}
			continue
		case Exec:
			if len(rec.RawSample) >= int(unsafe.Sizeof(rawExec{})) {
				x := (*rawExec)(unsafe.Pointer(&rec.RawSample[0]))
				ev := execEvent(x)
				ev.Time = t.time(x.Ts)
				deliver(ev)
			}
			continue
		}
		var e rawEvent
		if len(rec.RawSample) < int(unsafe.Sizeof(e)) {
			continue
		}
		e = *(*rawEvent)(unsafe.Pointer(&rec.RawSample[0]))
		deliver(t.event(&e))
	}
}

func cstring(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// name is call number n's name, as strace spells it.
func (t *Tracer) name(n int) string {
	if name, ok := t.names[n]; ok {
		return name
	}
	return "syscall_0x" + strconv.FormatInt(int64(n), 16)
}

// time turns a time of the kernel's monotonic clock into wall-clock time.
func (t *Tracer) time(ns uint64) time.Duration { return time.Duration(t.epoch + int64(ns)) }

func (t *Tracer) event(e *rawEvent) Event {
	ev := Event{Kind: Kind(e.Kind), Pid: int(e.Pid), Time: t.time(e.Ts)}
	switch ev.Kind {
	case Fork:
		ev.Child = int(e.Child)
	case Exit:
		ev.Code = int(e.Code)
	case Call:
		ev.Name = t.name(int(e.Code))
		ev.Ret, ev.RetKnown = e.Ret, t.stream
		ev.Args = e.Arg
		ev.FD = fdOf(&e.FD)
		switch ev.Name {
		case "connect":
			n := min(int(e.Len), len(e.Data))
			ev.Addr = make([]byte, n)
			for i := range n {
				ev.Addr[i] = byte(e.Data[i])
			}
			ev.Flags = int(e.Flags)
		case "listen":
			ev.Flags = int(e.Flags)
		default:
			ev.Path = cstring(e.Data[:])
			ev.Path2 = cstring(e.Data2[:])
			ev.Flags = int(e.Flags)
		}
	}
	return ev
}

// execEvent decodes an exec event: its path, and its argv, the
// arguments each ended by a NUL (the last one, when cut, by none).
func execEvent(x *rawExec) Event {
	ev := Event{Kind: Exec, Pid: int(x.Pid), ArgvCut: x.ArgvCut != 0, Sid: int(x.Sid), Execs: int(x.Execs)}
	ev.Path = cstringBytes(x.Path[:])
	b := x.Argv[:min(int(x.ArgvLen), len(x.Argv))]
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			ev.Argv = append(ev.Argv, string(b))
			break
		}
		ev.Argv = append(ev.Argv, string(b[:i]))
		b = b[i+1:]
	}
	return ev
}

func cstringBytes(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// fdOf decodes what the kernel side read of a descriptor.
func fdOf(f *rawFD) *FD {
	switch f.Kind {
	case 1:
		d := &FD{Socket: true, Family: int(f.Family), Type: int(f.Type), Ino: f.Ino}
		switch f.Family {
		case syscall.AF_INET:
			d.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(f.LAddr[:4])), f.LPort)
			d.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(f.RAddr[:4])), f.RPort)
		case syscall.AF_INET6:
			d.Local = netip.AddrPortFrom(netip.AddrFrom16(f.LAddr), f.LPort)
			d.Remote = netip.AddrPortFrom(netip.AddrFrom16(f.RAddr), f.RPort)
		}
		return d
	case 2:
		return &FD{Ino: f.Ino, Dev: f.Dev}
	}
	return nil
}

// rawEvent mirrors struct event of bpf/tracer.c.
type rawEvent struct {
	Kind  uint32
	Pid   uint32
	Ts    uint64
	Child uint32
	Code  int32
	Len   uint32
	Flags uint32
	Ret   int64
	Arg   [3]int64
	FD    rawFD
	Data  [256]int8
	Data2 [256]int8
}

// rawFD mirrors struct fdinfo of bpf/tracer.c.
type rawFD struct {
	Kind   uint16
	Family uint16
	Type   uint16
	LPort  uint16
	RPort  uint16
	_      uint16
	Dev    uint32
	Ino    uint64
	LAddr  [16]byte
	RAddr  [16]byte
}

// rawExec mirrors struct exec_event of bpf/tracer.c.
type rawExec struct {
	Kind    uint32
	Pid     uint32
	Ts      uint64
	ArgvLen uint32
	ArgvCut uint32
	Sid     uint32
	Execs   uint32
	Path    [256]byte
	Argv    [1024]byte
}

// rawSys mirrors struct sys_event of bpf/tracer.c.
type rawSys struct {
	Kind  uint32
	Pid   uint32
	Ts    uint64
	Nr    int32
	Known uint32
	Ret   int64
	Arg0  int64
}

// Lost returns how many events were lost: they found the ring buffer
// full, or their process had spent its rate limit (Config.Rate).
func (t *Tracer) Lost() (uint64, error) {
	return t.sumPerCPU(t.objs.Lost, 0, "lost counter")
}

// LostByKind returns how many events of each kind were lost (kinds
// without losses are left out).
func (t *Tracer) LostByKind() (map[Kind]uint64, error) {
	out := map[Kind]uint64{}
	for _, k := range []Kind{Fork, Exec, Exit, Call, Sys} {
		n, err := t.sumPerCPU(t.objs.Lost, uint32(k), "lost counter")
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out[k] = n
		}
	}
	return out, nil
}

// Filtered returns how many read-only opens the kernel kept because no
// rule could use them (Config.Interest).
func (t *Tracer) Filtered() (uint64, error) {
	return t.sumPerCPU(t.objs.Filtered, 0, "filtered counter")
}

// Folded returns how many repeated calls were counted instead of sent
// (Config.Fold).
func (t *Tracer) Folded() (uint64, error) {
	return t.sumPerCPU(t.objs.Folded, 0, "folded counter")
}

func (t *Tracer) sumPerCPU(m *ebpf.Map, key uint32, what string) (uint64, error) {
	var per []uint64
	if err := m.Lookup(key, &per); err != nil {
		return 0, fmt.Errorf("bpftrace: read %s: %w", what, err)
	}
	var s uint64
	for _, v := range per {
		s += v
	}
	return s, nil
}

// maxDrops bounds the processes one TakeDrops reports.
const maxDrops = 16384

// TakeDrops returns, and forgets, the events each process lost since the
// last call (by thread-group id; processes without losses are left out).
// The kernel keeps the counts of at most 16,384 processes; when more
// lose events before a call, the oldest are forgotten, and are still in
// Lost.
func (t *Tracer) TakeDrops() (map[int]uint64, error) {
	out := map[int]uint64{}
	var pid uint32
	var n uint64
	it := t.objs.Drops.Iterate()
	var pids []uint32
	for it.Next(&pid, &n) && len(pids) < maxDrops {
		pids = append(pids, pid)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("bpftrace: read drops: %w", err)
	}
	for _, pid := range pids {
		if err := t.objs.Drops.LookupAndDelete(pid, &n); err != nil {
			if errors.Is(err, ebpf.ErrKeyNotExist) {
				continue
			}
			return nil, fmt.Errorf("bpftrace: read drops of pid %d: %w", pid, err)
		}
		out[int(pid)] += n
	}
	return out, nil
}

// Stop detaches every link and delivers the events still in the ring;
// the maps stay readable (Counts, ExitedCounts, TakeExited, Lost) until Close, so
// that the events delivered last can still be judged with them. It may
// be called more than once.
func (t *Tracer) Stop() error {
	var errs []error
	for _, l := range t.links {
		errs = append(errs, l.Close())
	}
	t.links = nil
	if t.reader != nil && !t.closed.Load() {
		t.closed.Store(true)
		t.reader.Flush()
		<-t.done
	}
	return errors.Join(errs...)
}

// Close stops the tracer (see Stop) and closes every program and map.
func (t *Tracer) Close() error {
	errs := []error{t.Stop()}
	t.ringMu.Lock()
	if t.reader != nil {
		errs = append(errs, t.reader.Close())
		t.reader = nil
	}
	t.ringMu.Unlock()
	errs = append(errs, t.objs.Close())
	return errors.Join(errs...)
}

// TakeExited returns, and forgets, the counts of every exited process the
// kernel still keeps (those whose exit event was lost, or not read with
// ExitedCounts), by thread-group id.
func (t *Tracer) TakeExited() (map[int]Counts, error) {
	var pids []uint32
	var pid uint32
	var v tracerProcCounts
	it := t.objs.Exited.Iterate()
	for it.Next(&pid, &v) && len(pids) < int(t.objs.Exited.MaxEntries()) {
		pids = append(pids, pid)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("bpftrace: read counts of exited processes: %w", err)
	}
	out := map[int]Counts{}
	for _, pid := range pids {
		c, ok, err := t.ExitedCounts(int(pid))
		if err != nil {
			return nil, err
		}
		if ok {
			out[int(pid)] = c
		}
	}
	return out, nil
}

// maxNr is the number of call numbers the BPF program counts (MAX_NR).
const maxNr = 512

// RingFill returns the bytes of the ring buffer holding events not read
// yet, and the ring's size; 0, 0 once the tracer is closed.
func (t *Tracer) RingFill() (used, size int) {
	t.ringMu.Lock()
	defer t.ringMu.Unlock()
	if t.reader == nil {
		return 0, 0
	}
	return t.reader.AvailableBytes(), t.reader.BufferSize()
}
