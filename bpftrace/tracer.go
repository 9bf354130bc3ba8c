package bpftrace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
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
	// arguments as numbers (Event.Args) and: open, creat, openat, openat2,
	// execve, execveat, unlink, unlinkat, chmod, fchmodat, fchmodat2,
	// truncate, mkdir, mkdirat, mknod, mknodat, rmdir, chown, lchown,
	// fchownat, readlink, readlinkat, stat, lstat, access, newfstatat,
	// faccessat, faccessat2 and statx with their path (but newfstatat and
	// statx on a descriptor, with an empty path, are not sent, or in
	// stream mode as Sys events: an fstat); rename, renameat, renameat2,
	// link, linkat, symlink and symlinkat with their two paths;
	// delete_module with its name, prctl(PR_SET_NAME) with the name,
	// connect, sendto and sendmsg with their descriptor and address,
	// listen with its descriptor; what connect, listen, sendto, sendmsg,
	// dup2, dup3, fchmod, fchown, ftruncate and finit_module's descriptor
	// is (Event.FD), and the folder descriptor of an *at call with a
	// relative path.
	//
	// open, creat, openat and openat2 are sent as they return, with the
	// path of the descriptor they made (Event.RetPath), and execve and
	// execveat when they fail (a success is an Exec event); the link,
	// rename, mkdir and chdir families as they return too, with their
	// result.
	//
	// A name that is also an i386 call (open, openat, execve, setuid32...)
	// describes the i386 call too, made through int $0x80 (Event.Compat),
	// sent as it returns: also when seccomp refused it, which the kernel
	// does before the call's entry is seen.
	//
	// "io_uring_sqe" sends every io_uring operation as it is submitted
	// (Uring events), where the kernel has the io_uring_submit_req
	// tracepoint (Tracer.Hooks).
	//
	// nil means execve, openat and connect.
	//
	// capset is sent with its header and sets (Event.Cap).
	Calls []string
	// Env names the environment variables an Exec event carries
	// (Event.Env): at most 64 names of at most 31 bytes. Nil means
	// DefaultEnv; empty, none.
	Env []string
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
	// its prefixes (at most 64 bytes are compared), is one of its exact
	// paths (one longer than 62 bytes by its first 64), holds a "." or
	// ".." component or a hidden name of interest (Interest.Hidden), or
	// is longer than 255 bytes are sent, and those that the kernel
	// resolved to one of its files (below); a relative path is judged by
	// the file the kernel opened, and sent when the open failed. Nil
	// sends every open.
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
	// Hidden names the hidden names (path components starting with a
	// dot, such as ".ssh") whose opens are sent wherever they are in a
	// path; a name ending with "*" is the start of names (".msal*").
	// Nil sends every path with a hidden name; "." and ".." are always
	// sent (user space resolves them).
	Hidden []string
}

// keyLen is the bytes of a path the kernel's filter compares (KEY_LEN);
// pathLen the bytes of a path it reads (PATH_LEN, with the NUL); nameLen
// the bytes of a hidden name it compares (NAME_LEN).
const (
	keyLen  = 64
	pathLen = 256
	nameLen = 32
)

// Wants tells whether the kernel's filter sends a read-only open of path
// (the Go twin of interesting in bpf/tracer.c, for tests). A relative
// path is judged by the file the kernel opened: Wants says true, as the
// kernel does when the open failed.
func (in *Interest) Wants(path string) bool {
	if in == nil || !strings.HasPrefix(path, "/") || len(path) >= pathLen-1 {
		return true
	}
	for _, p := range in.Prefixes {
		if strings.HasPrefix(path, p[:min(len(p), keyLen)]) {
			return true
		}
	}
	for _, p := range in.Exact {
		if path == p || len(p) >= keyLen-1 && strings.HasPrefix(path, p[:min(len(p), keyLen)]) {
			return true
		}
	}
	for _, name := range strings.Split(path, "/")[1:] {
		if strings.HasPrefix(name, ".") && in.hiddenWanted(name) {
			return true
		}
	}
	return false
}

// DefaultEnv are the environment variables an exec event carries by
// default: those the default rules read (history-env, preload-env with
// PATH, exploit-exec's GCONV_PATH and CHARSET), and their kin that load
// code or turn history off.
var DefaultEnv = []string{"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "HISTFILE", "HISTSIZE", "HISTFILESIZE",
	"HISTCONTROL", "HISTIGNORE", "HISTTIMEFORMAT", "PROMPT_COMMAND", "BASH_ENV", "ENV",
	"PATH", "GCONV_PATH", "CHARSET"}

// The bounds of an exec event's environment (ENV_* in bpf/tracer.c).
const (
	envKeyLen  = 32   // bytes of a name compared, its NUL included
	envNames   = 64   // names in Config.Env
	envLen     = 512  // bytes of the variables sent
	envVarLen  = 256  // bytes of one variable, its NUL included
	envShown   = 30   // variables sent
	envScan    = 2048 // variables looked at
	envCutRoom = 1 << 31
	envCutScan = 1 << 30
)

// hiddenWanted is hidden_wanted of bpf/tracer.c: whether hidden name is
// of interest.
func (in *Interest) hiddenWanted(name string) bool {
	if name == "." || name == ".." || in.Hidden == nil {
		return true
	}
	name = name[:min(len(name), nameLen-1)] + "/"
	for _, h := range in.Hidden {
		if strings.HasPrefix(name, hiddenKey(h)) {
			return true
		}
	}
	return false
}

// hiddenKey is how hidden name h is stored in the kernel's map: a whole
// name with a '/' after it, the start of names (h ends with "*", or is
// longer than the kernel compares) as it is.
func hiddenKey(h string) string {
	if p, ok := strings.CutSuffix(h, "*"); ok {
		return p[:min(len(p), nameLen)]
	}
	if len(h) >= nameLen {
		return h[:nameLen-1]
	}
	return h + "/"
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
	// Uring: Pid submitted an io_uring operation: Name "io_uring_sqe",
	// Args[0] the opcode (Op names it), Args[1] the descriptor it names
	// (an open's folder descriptor) with FD, Path an open's path as given.
	// An IORING_OP_OPENAT or IORING_OP_OPENAT2 that made a descriptor is
	// sent again as it completes (where the kernel has the
	// io_uring_complete tracepoint): RetKnown set, Ret the descriptor,
	// RetPath where the kernel resolved it.
	Uring Kind = 6
)

// Op names io_uring opcode op as the kernel's headers do (IORING_OP_READ).
func Op(op int64) string {
	if op >= 0 && op < int64(len(uringOps)) {
		return "IORING_OP_" + uringOps[op]
	}
	return "IORING_OP_" + strconv.FormatInt(op, 10)
}

var uringOps = [...]string{"NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
	"SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL", "LINK_TIMEOUT",
	"CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ", "WRITE", "FADVISE", "MADVISE", "SEND",
	"RECV", "OPENAT2", "EPOLL_CTL", "SPLICE", "PROVIDE_BUFFERS", "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT",
	"UNLINKAT", "MKDIRAT", "SYMLINKAT", "LINKAT", "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET",
	"URING_CMD", "SEND_ZC", "SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV",
	"FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN", "RECV_ZC", "EPOLL_WAIT", "READV_FIXED", "WRITEV_FIXED", "PIPE"}

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
	// rt_sigreturn, and the calls sent as they return (open, creat,
	// openat, openat2, failed execve and execveat, i386 calls, and the
	// calls a seccomp filter refused).
	Ret      int64
	RetKnown bool
	// RetPath is, for a call that returned a new descriptor of a path,
	// where the kernel resolved it (symlinks, "..", /proc/self/root,
	// folder descriptors, the process's root), in the process's view of
	// the file system; for an Exec, the file executed. "" when not known
	// (a failure, or a path too deep to send).
	RetPath string
	// Compat is set on a call made through the i386 entry point (int
	// $0x80): Name is then the i386 call's name.
	Compat bool
	Arg0   int64 // Sys: the first argument
	// Args are a Call's first three arguments as numbers (registers):
	// descriptors, ids, modes, requests, flags.
	Args [3]int64
	// FD tells, for a Call whose first argument is a descriptor (connect,
	// listen, dup2, dup3, fchmod, finit_module) or, in an *at call with a
	// relative path, the folder it starts from, what it was when the call
	// was made; nil when the kernel side could not tell.
	FD *FD
	// Argv is an Exec's argument vector, read from the new program's
	// memory; ArgvCut is set when it was longer than 1 KiB and cut. For
	// a failed execve or execveat (a Call), its first four arguments, at
	// most 256 bytes, read from the caller's memory; ArgvCut is set when
	// there were more.
	Argv    []string
	ArgvCut bool
	// Sid is an Exec's session: the host pid of its leader (0 when the
	// kernel side could not tell).
	Sid int
	// Execs is, for an Exec, how many execs restarted the process's counts
	// before this one: with Pid, what ReplacedCounts asks for.
	Execs int
	// Env is, for an Exec, the new program's environment variables whose
	// names Config.Env lists ("LD_PRELOAD=/tmp/x.so"), in their order, read
	// from its stack before it runs; EnvCount is how many variables it has
	// in all. Bit i of EnvCut says Env[i] was cut (longer than 255 bytes,
	// or longer than the room left). EnvMore says variables of interest
	// may be missing: more than 30 of them, more than 512 bytes in all, or
	// past the 2,048th variable, which is not looked at.
	Env      []string
	EnvCount int
	EnvCut   uint32
	EnvMore  bool
	// Cap is, for a capset call, its header and sets as read from the
	// caller's memory; nil when its header could not be read.
	Cap *CapData
}

// CapData is capset's header and sets (Event.Cap).
type CapData struct {
	Version uint32 // _LINUX_CAPABILITY_VERSION_1 (0x19980330), _2 (0x20071026), _3 (0x20080522)
	Pid     int32
	// Sets tells that the sets were read: both halves for versions 2 and
	// 3, the low one for the others (the high halves are then 0).
	Sets                              bool
	Effective, Permitted, Inheritable uint64
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
	Pipe   bool   // a pipe (not a named one)
	// Path is, for a descriptor that is neither a socket nor a pipe,
	// where its file is, as the kernel resolved it ("" when not known);
	// for a file outside the process's root or of an internal file
	// system (an eventfd, a memfd), what is left of it is in brackets
	// ("anon_inode:[eventfd]").
	Path string
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
	Names       map[string]uint64 // call name -> count; an i386 call (int $0x80) under its i386 name
	Compat      uint64            // the calls made through the i386 entry point, of Total
}

// straceSpelling renames go-libaudit's names where strace spells the x86_64
// call differently, so histograms match strace's.
var straceSpelling = map[string]string{"pread": "pread64", "pwrite": "pwrite64"}

// Tracer holds the loaded programs, maps and links; Close releases them all.
type Tracer struct {
	objs   objects
	reader *ringbuf.Reader
	ringMu sync.Mutex // RingFill against Close
	done   chan struct{}
	closed atomic.Bool
	links  []link.Link
	names  map[int]string
	compat map[int]string // i386 call names
	hooks  Hooks
	// exitLink is the sys_exit hook's link, among links.
	exitLink link.Link
	stream   bool
	epoch    int64 // the wall clock minus the monotonic clock, in ns
	// interest is Config.Interest; inoMu guards inos, the keys of the
	// files of interest in the kernel's map (RefreshInterest).
	interest *Interest
	inoMu    sync.Mutex
	inos     map[tracerInoKey]bool
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
	names, compat := callTable("x86_64"), callTable("i386")
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
	known, known32 := map[string]uint32{}, map[string]uint32{}
	for nr, n := range names {
		if nr >= 0 && nr < maxNr {
			known[n] = uint32(nr)
		}
	}
	for nr, n := range compat {
		if nr >= 0 && nr < maxNr {
			known32[n] = uint32(nr)
		}
	}
	t := &Tracer{names: names, compat: compat, stream: c.Stream}
	var mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono); err != nil {
		return nil, fmt.Errorf("bpftrace: read the monotonic clock: %w", err)
	}
	t.epoch = time.Now().UnixNano() - mono.Nano()
	// The call hooks as BPF raw tracepoints where the kernel takes them;
	// should their programs not load, the raw tracepoint ones.
	t.hooks.BTF = !rawOnly && tpBTF() == nil
	err = t.load(size)
	if err != nil && t.hooks.BTF {
		t.hooks.BTF = false
		err = t.load(size)
	}
	if err != nil {
		return nil, err
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
			// A path longer than a key is matched by its first
			// keyLen bytes.
			if err := put(p, len(p) < keyLen-1); err != nil {
				return nil, explain("bpftrace: write paths of interest", err)
			}
		}
		if c.Interest.Hidden != nil {
			cfg.Hidden = 1
			if len(c.Interest.Hidden) > int(t.objs.HiddenNames.MaxEntries()) {
				return nil, fmt.Errorf("bpftrace: %d hidden names of interest, more than the kernel's map holds (%d)", len(c.Interest.Hidden), t.objs.HiddenNames.MaxEntries())
			}
			for _, h := range c.Interest.Hidden {
				if !strings.HasPrefix(h, ".") || strings.Contains(h, "/") || h == "." || h == ".." {
					return nil, fmt.Errorf("bpftrace: hidden name of interest %q is not a name starting with a dot", h)
				}
				var k tracerNameKey
				n := copy(k.Data[:], hiddenKey(h))
				k.Prefixlen = uint32(n * 8)
				if err := t.objs.HiddenNames.Put(&k, uint8(1)); err != nil {
					return nil, explain("bpftrace: write hidden names of interest", err)
				}
			}
		}
		t.interest = c.Interest
		if err := t.RefreshInterest(); err != nil {
			return nil, err
		}
	}
	if err := t.objs.Cfg.Put(uint32(0), &cfg); err != nil {
		return nil, explain("bpftrace: write config map", err)
	}
	env := c.Env
	if env == nil {
		env = DefaultEnv
	}
	if len(env) > envNames {
		return nil, fmt.Errorf("bpftrace: %d environment variables of interest, more than the kernel's map holds (%d)", len(env), envNames)
	}
	for _, n := range env {
		var k tracerEnvKey
		if n == "" || len(n) >= envKeyLen || strings.ContainsAny(n, "=\x00") {
			return nil, fmt.Errorf("bpftrace: environment variable name %q is empty, longer than %d bytes or holds '=' or a NUL", n, envKeyLen-1)
		}
		for i := range len(n) {
			k.Name[i] = int8(n[i])
		}
		if err := t.objs.Envnames.Put(&k, uint8(1)); err != nil {
			return nil, explain("bpftrace: write environment variables of interest", err)
		}
	}
	if len(env) > 0 {
		if err := t.objs.Envon.Put(uint32(0), uint8(1)); err != nil {
			return nil, explain("bpftrace: write environment switch", err)
		}
	}
	bits := map[uint32]uint8{}
	uring := false
	for _, n := range callNames {
		nr, ok := known[n]
		nr32, ok32 := known32[n]
		switch {
		case n == UringCall:
			uring = true
			continue
		case !ok && !ok32:
			return nil, fmt.Errorf("bpftrace: no x86_64 or i386 system call %q", n)
		}
		if ok {
			bits[nr] |= callEntry
			if atExit[n] {
				bits[nr] |= callExit
			}
		}
		if ok32 {
			bits[nr32] |= callCompat
		}
	}
	for nr, b := range bits {
		if err := t.objs.Calls.Put(nr, b); err != nil {
			return nil, explain("bpftrace: write call set", err)
		}
	}
	if uring {
		if err := t.objs.Uring.Put(uint32(0), uint8(1)); err != nil {
			return nil, explain("bpftrace: write io_uring switch", err)
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
		// Every call on the host passes it; most leave at once, by one
		// lookup of their number.
		{"sys_exit", t.objs.SysExit},
	}
	for _, a := range hooks {
		var l link.Link
		var err error
		if a.prog.Type() == ebpf.Tracing {
			l, err = link.AttachTracing(link.TracingOptions{Program: a.prog, AttachType: ebpf.AttachTraceRawTp})
		} else {
			l, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: a.name, Program: a.prog})
		}
		if err != nil {
			return nil, explain("bpftrace: attach raw tracepoint "+a.name, err)
		}
		t.links = append(t.links, l)
		if a.name == "sys_exit" {
			t.exitLink = l
		}
	}
	t.hooks.RawTracepoints = true
	if uring {
		// A kernel without io_uring (or with it built out) has no such
		// tracepoint: the tracer goes on without, and says so.
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "io_uring_submit_req", Program: t.objs.UringSubmit})
		if err == nil {
			t.links = append(t.links, l)
			t.hooks.IOUring = true
		} else {
			t.hooks.IOUringErr = err
		}
		// The opens' resolved paths, as they complete.
		if l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "io_uring_complete", Program: t.objs.UringComplete}); err == nil {
			t.links = append(t.links, l)
			t.hooks.IOUringComplete = true
		}
	}
	return t, nil
}

// objects are the tracer's maps and programs as loaded: only one of each
// pair of call hooks, sys_enter and sys_exit as BPF raw tracepoints
// (sys_enter_btf, sys_exit_btf) where the kernel takes them, else as raw
// tracepoints.
type objects struct {
	tracerMaps
	ProcessExec   *ebpf.Program `ebpf:"process_exec"`
	ProcessExit   *ebpf.Program `ebpf:"process_exit"`
	ProcessFork   *ebpf.Program `ebpf:"process_fork"`
	SysEnter      *ebpf.Program `ebpf:"sys_enter"`
	SysExit       *ebpf.Program `ebpf:"sys_exit"`
	UringComplete *ebpf.Program `ebpf:"uring_complete"`
	UringSubmit   *ebpf.Program `ebpf:"uring_submit"`
}

// Close closes every program and map.
func (o *objects) Close() error {
	errs := []error{o.tracerMaps.Close()}
	for _, p := range []*ebpf.Program{o.ProcessExec, o.ProcessExit, o.ProcessFork, o.SysEnter, o.SysExit, o.UringComplete, o.UringSubmit} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	return errors.Join(errs...)
}

// load loads the BPF objects with a ring of size bytes, the call hooks
// as Hooks.BTF says.
func (t *Tracer) load(size int) error {
	spec, err := loadTracer()
	if err != nil {
		return explain("bpftrace: read BPF objects", err)
	}
	spec.Maps["events"].MaxEntries = uint32(size)
	if t.hooks.BTF {
		spec.Programs["sys_enter"] = spec.Programs["sys_enter_btf"]
		spec.Programs["sys_exit"] = spec.Programs["sys_exit_btf"]
	}
	if err := spec.LoadAndAssign(&t.objs, nil); err != nil {
		return explain("bpftrace: load BPF objects", err)
	}
	return nil
}

// rawOnly makes the tracer use raw tracepoints alone (tests of the
// kernels that take no BPF raw tracepoints).
var rawOnly bool

// tpBTF tells, once per process, whether the kernel loads and attaches a
// BPF raw tracepoint (tp_btf) at sys_enter: a program that does nothing.
var tpBTF = sync.OnceValue(func() error {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceRawTp,
		AttachTo:     "sys_enter",
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return err
	}
	defer prog.Close()
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		return err
	}
	return l.Close()
})

// detachExit detaches the sys_exit hook (for a benchmark of its cost).
func (t *Tracer) detachExit() error {
	for i, l := range t.links {
		if t.exitLink == l {
			t.links = append(t.links[:i], t.links[i+1:]...)
			return l.Close()
		}
	}
	return errors.New("bpftrace: no sys_exit link")
}

// UringCall is the name, in Config.Calls, that asks for io_uring
// operations (Uring events).
const UringCall = "io_uring_sqe"

// The bits of the kernel side's calls map (CALL_* in bpf/tracer.c).
const (
	callEntry  = 1
	callExit   = 2
	callCompat = 4
)

// atExit are the calls sent as they return: those that make a
// descriptor of a path, whose resolved path is read then; the execs,
// whose failures only are calls; and those that change what a later path
// resolves to (links, renames, new folders, the working folder), whose
// result a resolver must know.
var atExit = map[string]bool{"open": true, "creat": true, "openat": true, "openat2": true, "execve": true, "execveat": true,
	"symlink": true, "symlinkat": true, "link": true, "linkat": true, "rename": true, "renameat": true, "renameat2": true,
	"mkdir": true, "mkdirat": true, "chdir": true}

// callTable maps an ABI's call numbers to their names, as strace spells
// them.
func callTable(arch string) map[int]string {
	names := map[int]string{}
	for n, name := range auparse.AuditSyscalls[arch] {
		if s, ok := straceSpelling[name]; ok {
			name = s
		}
		names[n] = name
	}
	return names
}

// Hooks says which of the kernel's hooks the tracer attached to.
type Hooks struct {
	RawTracepoints bool // sys_enter, sys_exit, sched_process_{fork,exec,exit}
	// BTF: sys_enter and sys_exit are BPF raw tracepoints (tp_btf), which
	// read a call's number and the task directly, without a helper's
	// copy: cheaper for every call on the host.
	BTF     bool
	IOUring bool // io_uring:io_uring_submit_req
	// IOUringComplete: io_uring:io_uring_complete, where an io_uring
	// open's resolved path is read.
	IOUringComplete bool
	IOUringErr      error // why not, when asked for
}

// Hooks returns the hooks the tracer attached to.
func (t *Tracer) Hooks() Hooks { return t.hooks }

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
		if n >= maxNr {
			c.Compat += uint64(k)
			c.Names[t.name32(n-maxNr)] += uint64(k)
			continue
		}
		c.Names[t.name(n)] += uint64(k)
	}
	return c
}

// ExitedCounts returns, and forgets, the counts of the process pid that
// has exited: the kernel keeps them from its exit until they are read (at
// most 4,096 processes; older ones unread are dropped). ok is false when
// there are none.
func (t *Tracer) ExitedCounts(pid int) (c Counts, ok bool, err error) {
	return t.takeCounts(t.objs.Exited, uint32(pid), "counts of exited pid %d", pid)
}

// ReplacedCounts returns, and forgets, the counts of the program that an
// exec of process pid replaced, the one whose Exec event says execs
// (Config.Origin unset): the kernel keeps them from the exec until they
// are read (at most 1,024 programs; older ones unread are dropped). They
// end with the execve that replaced the program, which the new program's
// counts also begin with. ok is false when there are none.
func (t *Tracer) ReplacedCounts(pid, execs int) (c Counts, ok bool, err error) {
	k := tracerReplacedKey{Tgid: uint32(pid), Execs: uint32(execs)}
	return t.takeCounts(t.objs.Replaced, &k, "counts of the program pid %d replaced", pid)
}

// takeCounts reads and deletes the counts under key in m; ok is false
// when there are none. what, a format of pid, names them in an error.
func (t *Tracer) takeCounts(m *ebpf.Map, key any, what string, pid int) (c Counts, ok bool, err error) {
	var v tracerProcCounts
	if err := m.LookupAndDelete(key, &v); err != nil {
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return Counts{}, false, nil
		}
		return Counts{}, false, fmt.Errorf("bpftrace: read "+what+": %w", pid, err)
	}
	return t.counts(&v), true, nil
}

// Full returns how many calls were not counted because the process map was full.
func (t *Tracer) Full() (uint64, error) {
	return t.sumPerCPU(t.objs.Full, 0, "full counter")
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
				ev := Event{Kind: Sys, Pid: int(s.Pid), Time: t.time(s.Ts), Name: t.name(int(s.Nr)), Ret: s.Ret, RetKnown: s.Known&1 != 0, Arg0: s.Arg0}
				if s.Known&2 != 0 {
					ev.Compat, ev.Name = true, t.name32(int(s.Nr))
				}
				deliver(ev)
			}
			continue
		case Fork, Exit:
			if len(rec.RawSample) >= int(unsafe.Sizeof(rawProc{})) {
				x := (*rawProc)(unsafe.Pointer(&rec.RawSample[0]))
				ev := Event{Kind: Kind(x.Kind), Pid: int(x.Pid), Time: t.time(x.Ts)}
				if ev.Kind == Fork {
					ev.Child = int(x.Child)
				} else {
					ev.Code = int(x.Code)
				}
				deliver(ev)
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
		if len(rec.RawSample) < int(unsafe.Sizeof(rawEvent{})) {
			continue
		}
		// Decoded in place: event copies what it keeps.
		deliver(t.event((*rawEvent)(unsafe.Pointer(&rec.RawSample[0]))))
	}
}

// cstring is the text of b up to its first NUL (all of b without one).
func cstring[T int8 | byte](b []T) string {
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
func (t *Tracer) name(n int) string { return callName(t.names, n) }

// name32 is i386 call number n's name, as strace spells it.
func (t *Tracer) name32(n int) string { return callName(t.compat, n) }

// callName is call number n's name in table, or strace's name for an
// unknown number.
func callName(table map[int]string, n int) string {
	if name, ok := table[n]; ok {
		return name
	}
	return "syscall_0x" + strconv.FormatInt(int64(n), 16)
}

// time turns a time of the kernel's monotonic clock into wall-clock time.
func (t *Tracer) time(ns uint64) time.Duration { return time.Duration(t.epoch + int64(ns)) }

func (t *Tracer) event(e *rawEvent) Event {
	ev := Event{Kind: Kind(e.Kind), Pid: int(e.Pid), Time: t.time(e.Ts)}
	switch ev.Kind {
	case Uring:
		ev.Name = UringCall
		ev.Args = e.Arg
		ev.Path = cstring(e.Data[:])
		ev.FD = t.fdOf(e)
		if e.Flags&uringDone != 0 {
			ev.Ret, ev.RetKnown = e.Ret, true
			ev.RetPath = retPath(e)
		}
	case Call:
		ev.Compat = e.Info&infoCompat != 0
		if ev.Compat {
			ev.Name = t.name32(int(e.Code))
		} else {
			ev.Name = t.name(int(e.Code))
		}
		// A call sent as it is entered carries 0; one a seccomp filter
		// refused (the sandbox's), sent as it returns, its error.
		ev.Ret, ev.RetKnown = e.Ret, t.stream || ev.Compat || atExit[ev.Name] || e.Ret != 0
		ev.Args = e.Arg
		ev.FD = t.fdOf(e)
		ev.RetPath = retPath(e)
		switch ev.Name {
		case "capset":
			ev.Cap = capData(e.Data[:min(int(e.Len), len(e.Data))])
		case "connect", "sendto", "sendmsg":
			n := min(int(e.Len), len(e.Data))
			ev.Addr = make([]byte, n)
			for i := range n {
				ev.Addr[i] = byte(e.Data[i])
			}
			ev.Flags = int(e.Flags)
		case "listen":
			ev.Flags = int(e.Flags)
		case "execve", "execveat":
			// A failure: its path and first arguments.
			ev.Path = cstring(e.Data[:])
			ev.Argv, ev.ArgvCut = failedArgv(e.Data2[:], e.Len, e.Flags)
		default:
			ev.Path = cstring(e.Data[:])
			if e.Info&infoRetPath == 0 {
				ev.Path2 = cstring(e.Data2[:])
			}
			ev.Flags = int(e.Flags)
		}
	}
	return ev
}

// uringDone marks an io_uring open's completion (URING_DONE in
// bpf/tracer.c).
const uringDone = 1

// The bits of struct event's info (INFO_* in bpf/tracer.c).
const (
	infoCompat  = 1
	infoFDPath  = 2
	infoRetPath = 4
	infoCut     = 8
	infoTop     = 16
	infoFDCut   = 32
	infoFDTop   = 64
)

// retPath decodes where the kernel resolved the descriptor e's call made
// (INFO_RETPATH); "" when e carries none.
func retPath(e *rawEvent) string {
	if e.Info&infoRetPath == 0 {
		return ""
	}
	return pathText(e.Data2[:], e.Plen, e.Info&(infoCut|infoTop))
}

// fdOf decodes what the kernel side read of e's descriptor, with its path.
func (t *Tracer) fdOf(e *rawEvent) *FD {
	d := fdOf(&e.FD)
	if d != nil && e.Info&infoFDPath != 0 {
		var top uint32
		if e.Info&infoFDTop != 0 {
			top = infoTop
		}
		d.Path = pathText(e.FDPath[:], e.FDLen, top)
	}
	return d
}

// pathText puts together a path the kernel side walked: n bytes of
// names, from the last to the first, each ended by a NUL. A walk that
// ended at a root not the process's (infoTop: an internal file system,
// or a file outside the process's root) gives what it has in brackets,
// as the kernel writes such files: "anon_inode:[eventfd]". A cut one is
// "". The kernel side bounds n by the buffer; it is checked again here.
func pathText[T int8 | byte](b []T, n uint32, info uint32) string {
	if info&infoCut != 0 || int(n) > len(b) {
		return ""
	}
	raw := b[:n]
	if n > 0 && raw[n-1] == 0 {
		raw = raw[:n-1]
	}
	// The names from the first to the last: one allocation.
	var out strings.Builder
	out.Grow(len(raw) + len("anon_inode:[/]"))
	top := info&infoTop != 0
	if top {
		out.WriteByte('[')
	}
	names := 0
	for end := len(raw); end >= 0 && (len(raw) > 0 || names == 0); {
		start := end - 1
		for start >= 0 && raw[start] != 0 {
			start--
		}
		if names > 0 || !top {
			out.WriteByte('/')
		}
		for _, c := range raw[start+1 : end] {
			out.WriteByte(byte(c))
		}
		names++
		if start < 0 || len(raw) == 0 {
			break
		}
		end = start
	}
	if !top {
		return out.String()
	}
	p := out.String()
	if names == 1 && strings.HasPrefix(p, "[[") {
		return "anon_inode:" + p[1:]
	}
	return p + "]"
}

// failedArgv decodes the first arguments of a failed exec: n bytes of
// b, NUL-separated, at most flags' low bits of them; cut when there are
// more (the high bit), or the last did not fit.
func failedArgv(b []int8, n, flags uint32) ([]string, bool) {
	cut := flags&(1<<31) != 0 || int(n) > len(b)
	raw := b[:min(int(n), len(b))]
	var argv []string
	for len(raw) > 0 && len(argv) < int(flags&0xff) {
		i := slices.Index(raw, 0)
		if i < 0 {
			argv = append(argv, cstring(raw))
			cut = true
			break
		}
		argv = append(argv, cstring(raw[:i]))
		raw = raw[i+1:]
	}
	return argv, cut
}

// capData decodes capset's header and data as the kernel side read them:
// 8 bytes of header, then the data's 12 or 24 bytes; nil without a
// header.
func capData(b []int8) *CapData {
	u := func(i int) uint32 {
		return uint32(uint8(b[i])) | uint32(uint8(b[i+1]))<<8 | uint32(uint8(b[i+2]))<<16 | uint32(uint8(b[i+3]))<<24
	}
	if len(b) < 8 {
		return nil
	}
	c := &CapData{Version: u(0), Pid: int32(u(4))}
	if len(b) >= 8+12 {
		c.Sets = true
		c.Effective, c.Permitted, c.Inheritable = uint64(u(8)), uint64(u(12)), uint64(u(16))
	}
	if len(b) >= 8+24 {
		c.Effective |= uint64(u(20)) << 32
		c.Permitted |= uint64(u(24)) << 32
		c.Inheritable |= uint64(u(28)) << 32
	}
	return c
}

// execEvent decodes an exec event: its path, and its argv, the
// arguments each ended by a NUL (the last one, when cut, by none).
func execEvent(x *rawExec) Event {
	ev := Event{Kind: Exec, Pid: int(x.Pid), ArgvCut: x.ArgvCut != 0, Sid: int(x.Sid), Execs: int(x.Execs)}
	ev.Path = cstring(x.Path[:])
	ev.RetPath = pathText(x.Exe[:], x.ExeLen, x.ExeInfo)
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
	ev.EnvCount = int(x.Envc)
	ev.EnvCut = x.EnvCut &^ (envCutRoom | envCutScan)
	ev.EnvMore = x.EnvCut&(envCutRoom|envCutScan) != 0
	b = x.Env[:min(int(x.EnvLen), len(x.Env))]
	for n := 0; len(b) > 0 && n < int(x.EnvN); n++ {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			i = len(b)
		}
		ev.Env = append(ev.Env, string(b[:i]))
		b = b[min(i+1, len(b)):]
	}
	return ev
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
	case 3:
		return &FD{Ino: f.Ino, Dev: f.Dev, Pipe: true}
	}
	return nil
}

// rawEvent mirrors struct event of bpf/tracer.c.
type rawEvent struct {
	Kind   uint32
	Pid    uint32
	Ts     uint64
	Child  uint32
	Code   int32
	Len    uint32
	Flags  uint32
	Info   uint32
	Plen   uint32
	FDLen  uint32
	_      uint32
	Ret    int64
	Arg    [3]int64
	FD     rawFD
	Data   [256]int8
	Data2  [256]int8
	FDPath [256]int8
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
	ExeInfo uint32
	ExeLen  uint32
	Path    [256]byte
	Argv    [1024]byte
	Exe     [256]byte
	Envc    uint32
	EnvN    uint32
	EnvLen  uint32
	EnvCut  uint32
	Env     [envLen]byte
}

// rawProc mirrors struct proc_event of bpf/tracer.c.
type rawProc struct {
	Kind  uint32
	Pid   uint32
	Ts    uint64
	Child uint32
	Code  int32
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

// Describes tells whether Config.Calls may name call: an x86_64 or i386
// system call (sent with its first three arguments, and what Calls says
// of it), or UringCall.
func Describes(call string) bool {
	if call == UringCall {
		return true
	}
	for _, arch := range []string{"x86_64", "i386"} {
		for n, name := range callTable(arch) {
			if name == call && n >= 0 && n < maxNr {
				return true
			}
		}
	}
	return false
}

// RefreshInterest gives the kernel the inodes of the exact paths and
// folder prefixes of Config.Interest that exist now, so that an open of
// one of them through another name (a symlink, a hard link, a linked
// folder, a relative path) is sent too: the filter compares the opened
// file and the folders above it with them. A path that does not exist is
// left to its name. Open calls it; called again (the monitor does every
// second), it follows files replaced since (a rewritten /etc/shadow is
// a new inode) and forgets the inodes no path has any more.
func (t *Tracer) RefreshInterest() error {
	in := t.interest
	if in == nil {
		return nil
	}
	paths := slices.Clone(in.Exact)
	for _, p := range in.Prefixes {
		if strings.HasSuffix(p, "/") && len(p) > 1 {
			paths = append(paths, p) // a folder: every file below it
		}
	}
	now := map[tracerInoKey]bool{}
	for _, p := range paths {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			continue
		}
		// The kernel numbers devices MAJOR<<20 | MINOR (kdev_t).
		now[tracerInoKey{Ino: st.Ino, Dev: unix.Major(st.Dev)<<20 | unix.Minor(st.Dev)}] = true
	}
	if len(now) > int(t.objs.InterestIno.MaxEntries()) {
		return fmt.Errorf("bpftrace: %d files of interest, more than the kernel's map holds (%d)", len(now), t.objs.InterestIno.MaxEntries())
	}
	t.inoMu.Lock()
	defer t.inoMu.Unlock()
	// New ones first: a file of interest is never out of the map.
	for k := range now {
		if !t.inos[k] {
			if err := t.objs.InterestIno.Put(&k, uint8(1)); err != nil {
				return explain("bpftrace: write files of interest", err)
			}
		}
	}
	for k := range t.inos {
		if !now[k] {
			if err := t.objs.InterestIno.Delete(&k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				return explain("bpftrace: forget a file of interest", err)
			}
		}
	}
	t.inos = now
	return nil
}

// HostCalls are the calls whose events are described for a whole host
// (the monitor, ebpfevents.Calls): those the default rules read, but for
// the stat family (readlink and readlinkat among it), too frequent to
// judge every one live.
var HostCalls = []string{
	"open", "creat", "openat", "openat2", "execve", "execveat",
	"connect", "sendto", "sendmsg", "listen", "dup2", "dup3", "chdir",
	"unlink", "unlinkat", "rmdir", "mkdir", "mkdirat", "mknod", "mknodat",
	"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
	"truncate", "ftruncate",
	"rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
	"ptrace", "process_vm_readv", "process_vm_writev", "prctl",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "capset",
	"setuid32", "setgid32", "setresuid32", "setresgid32",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"socket", "bpf", "reboot", "settimeofday", "clock_settime", "stime",
	UringCall,
}

// HookTime is the CPU time the kernel spent in one of the tracer's
// programs, and how many times it ran, since the program was loaded,
// while the kernel's BPF statistics were on (EnableStats).
type HookTime struct {
	Runtime time.Duration
	Runs    uint64
}

// HookTimes returns, by hook (sys_enter, sys_exit, sched_process_exec,
// sched_process_fork, sched_process_exit, io_uring_submit_req,
// io_uring_complete), the time its program ran: all zero unless the
// kernel's BPF statistics were on (EnableStats, or sysctl
// kernel.bpf_stats_enabled=1). The programs run in the traced processes,
// on their calls: this is what tracing adds to their system time.
func (t *Tracer) HookTimes() (map[string]HookTime, error) {
	out := map[string]HookTime{}
	for name, p := range map[string]*ebpf.Program{
		"sys_enter": t.objs.SysEnter, "sys_exit": t.objs.SysExit,
		"sched_process_exec": t.objs.ProcessExec, "sched_process_fork": t.objs.ProcessFork,
		"sched_process_exit": t.objs.ProcessExit, "io_uring_submit_req": t.objs.UringSubmit,
		"io_uring_complete": t.objs.UringComplete,
	} {
		st, err := p.Stats()
		if err != nil {
			return nil, fmt.Errorf("bpftrace: read statistics of the %s program: %w", name, err)
		}
		out[name] = HookTime{Runtime: st.Runtime, Runs: st.RunCount}
	}
	return out, nil
}

// EnableStats turns the kernel's BPF statistics on (HookTimes) until the
// returned Closer is closed; they cost every BPF program on the host
// two clock reads a run.
func EnableStats() (io.Closer, error) {
	c, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		return nil, explain("bpftrace: enable BPF statistics", err)
	}
	return c, nil
}
