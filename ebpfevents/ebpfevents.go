// Package ebpfevents turns the eBPF tracer's events (package bpftrace)
// into the trace package's events, described in strace's notation, so that
// the consumers of strace's stream (the behaviour rules above all) judge
// them alike. The kernel side reads a call's arguments, and what its
// descriptors are (a socket with its addresses, a pipe, a file with the
// path the kernel resolved), when the call is made; /proc is never asked
// about a descriptor, whose number the process may have reused since.
// A call that made a descriptor of a path carries where the kernel
// resolved it (trace.Call.RetPath), an exec the file executed and the
// environment variables the rules read (bpftrace.Config.Env, written as
// strace -v writes envp), capset its header and sets, an i386 call its
// ABI (trace.Call.Compat). Return values are known in stream
// mode (bpftrace.Config.Stream), where every call is an event, and for
// the calls sent as they return (opens, failed execs, i386 calls, calls
// a seccomp filter refused);
// otherwise they are unknown ("= ?"). io_uring operations are calls named
// io_uring_sqe whose first argument is the opcode (IORING_OP_OPENAT).
package ebpfevents

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/trace"
)

// Converter describes events; its zero value is not ready: use New.
type Converter struct {
	fs     procfs.FS
	stream bool
	// forked is, in stream mode, each process's last new child, as its
	// fork event told it, until the call that made it returns.
	forked map[int]int
	// cwd is each process's working folder as the events told it
	// (inherited at fork, changed by chdir), in the process's own view of
	// the file system; processes not in it are asked of /proc, else
	// given startCwd.
	cwd      map[int]string
	startCwd string
}

// maxCwds bounds the working folders remembered; past it they are
// forgotten and asked of /proc again.
const maxCwds = 65536

// New returns a converter reading the host's /proc.
func New() *Converter {
	fs, _ := procfs.NewDefaultFS()
	return &Converter{fs: fs, cwd: map[int]string{}}
}

// SetStartCwd gives the working folder of processes whose folder the
// events have not told and /proc cannot tell (they are gone): for a run
// in the sandbox, the folder where its program starts.
func (c *Converter) SetStartCwd(dir string) { c.startCwd = dir }

// folder returns pid's working folder, or "".
func (c *Converter) folder(pid int) string {
	if d, ok := c.cwd[pid]; ok {
		return d
	}
	if c.startCwd != "" {
		return c.startCwd // a run in the sandbox, whose view /proc does not give
	}
	if d, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd"); err == nil {
		return d
	}
	return ""
}

// track follows the working folders: a child starts in its parent's, a
// chdir moves it (in stream mode only when it succeeded).
func (c *Converter) track(ev bpftrace.Event) {
	switch {
	case ev.Kind == bpftrace.Fork:
		if d := c.folder(ev.Pid); d != "" {
			c.remember(ev.Child, d)
		}
	case ev.Kind == bpftrace.Exit:
		delete(c.cwd, ev.Pid)
	case ev.Kind == bpftrace.Call && ev.Name == "chdir" && (!ev.RetKnown || ev.Ret == 0):
		p := ev.Path
		if !strings.HasPrefix(p, "/") {
			d := c.folder(ev.Pid)
			if d == "" {
				delete(c.cwd, ev.Pid)
				return
			}
			p = d + "/" + p
		}
		c.remember(ev.Pid, filepath.Clean(p))
	}
}

func (c *Converter) remember(pid int, dir string) {
	if len(c.cwd) >= maxCwds {
		clear(c.cwd)
	}
	c.cwd[pid] = dir
}

// NewStream returns a converter of a stream-mode tracer's events
// (bpftrace.Config.Stream with StreamCalls): a fork is then a spawn alone,
// its clone call coming as the parent's call event.
func NewStream() *Converter {
	c := New()
	c.stream = true
	c.forked = map[int]int{}
	return c
}

// Events feeds the trace events ev stands for, timed when the kernel saw
// ev, or now (since the epoch) when ev does not tell: a fork is a clone
// call and a spawn, an exec an execve call and an exec, an exit an exit, a
// call event its call.
func (c *Converter) Events(ev bpftrace.Event, now time.Duration, feed func(*trace.Event)) {
	if ev.Time != 0 {
		now = ev.Time // the kernel's time of it
	}
	emit := func(e *trace.Event) {
		e.SetTime(now)
		feed(e)
	}
	defer c.track(ev)
	switch ev.Kind {
	case bpftrace.Fork:
		if c.stream {
			c.forked[ev.Pid] = ev.Child
		} else {
			emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid,
				Call: trace.NewCall(ev.Pid, "clone", "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", int64(ev.Child), true, "")})
		}
		emit(&trace.Event{Kind: trace.EventSpawn, PID: ev.Pid, Child: ev.Child})
	case bpftrace.Exec:
		// The new program's argv, as the kernel side read it; else from
		// /proc while it runs (a program that exits at once leaves its
		// path alone).
		argv := ev.Argv
		if len(argv) == 0 {
			argv = []string{ev.Path}
			if p, err := c.fs.Proc(ev.Pid); err == nil {
				if a, err := p.CmdLine(); err == nil && len(a) > 0 {
					argv = a
				}
			}
		}
		call := execCall(ev.Pid, ev.Path, argv, ev.ArgvCut, envText(ev))
		call.RetPath = ev.RetPath
		emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: call})
		emit(&trace.Event{Kind: trace.EventExec, PID: ev.Pid, Call: call})
	case bpftrace.Call:
		if call := c.call(ev); call != nil {
			emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: call})
		}
	case bpftrace.Uring:
		emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: c.uring(ev)})
	case bpftrace.Sys:
		args := ""
		switch ev.Name {
		case "exit", "exit_group":
			args = strconv.FormatInt(ev.Arg0, 10)
		case "clone", "clone3", "fork", "vfork":
			// The child's number as the kernel returned it is the one in
			// the caller's pid namespace; the events name processes by
			// their numbers on the host, as the fork event did.
			if child, ok := c.forked[ev.Pid]; ok && ev.Ret > 0 {
				ev.Ret = int64(child)
				delete(c.forked, ev.Pid)
			}
		}
		emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: newCall(ev, args)})
	case bpftrace.Exit:
		if c.stream {
			delete(c.forked, ev.Pid)
		}
		e := &trace.Event{Kind: trace.EventExit, PID: ev.Pid, ExitCode: (ev.Code >> 8) & 0xff}
		if sig := ev.Code & 0x7f; sig != 0 {
			e.Signal = unix.SignalName(syscall.Signal(sig))
		}
		emit(e)
	}
}

// ExecCall is a successful execve of path with argv, in strace's notation.
func ExecCall(pid int, path string, argv []string) *trace.Call {
	return execCall(pid, path, argv, false, noEnv)
}

// noEnv is an environment not known.
const noEnv = "0x0 /* 0 vars */"

// execCall is ExecCall with an argv whose last argument may have been
// cut, which strace writes "abc"..., and the environment as env writes
// it.
func execCall(pid int, path string, argv []string, cut bool, env string) *trace.Call {
	a := quoteArray(argv)
	if cut {
		a = strings.TrimSuffix(a, "]") + "...]"
	}
	return trace.NewCall(pid, "execve", Quote(path)+", "+a+", "+env, 0, true, "")
}

// failedArgv writes a failed exec's argv: the first arguments the kernel
// side read, with strace's "..." for more; its path when it read none.
func failedArgv(ev bpftrace.Event) string {
	if len(ev.Argv) == 0 {
		return quoteArray([]string{ev.Path})
	}
	a := quoteArray(ev.Argv)
	if ev.ArgvCut {
		a = strings.TrimSuffix(a, "]") + ", ...]"
	}
	return a
}

// envText writes an exec's environment as strace -v does, with the
// variables the kernel side sent (bpftrace.Config.Env) and "..." for the
// others: ["LD_PRELOAD=/tmp/x.so", ...]; a variable cut is "abc"...
// Without variables of interest it is strace's short form, with the
// count: 0x0 /* 12 vars */.
func envText(ev bpftrace.Event) string {
	if len(ev.Env) == 0 {
		return "0x0 /* " + strconv.Itoa(ev.EnvCount) + " vars */"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range ev.Env {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Quote(v))
		if i < 32 && ev.EnvCut&(1<<i) != 0 {
			b.WriteString("...")
		}
	}
	if ev.EnvMore || ev.EnvCount > len(ev.Env) {
		b.WriteString(", ...")
	}
	b.WriteByte(']')
	return b.String()
}

// UringCompletion is the name of the calls that tell an io_uring open's
// completion (bpftrace.Uring events with a result).
const UringCompletion = "io_uring_cqe"

// Calls are the calls whose events the converter describes for a whole
// host (bpftrace.HostCalls): those the default rules read, but for the
// stat family, too frequent to judge every one live (SampleCalls adds it).
var Calls = bpftrace.HostCalls

// SampleCalls are the calls described for a sample run in the sandbox:
// Calls and the stat family, which the rules on credential probes read
// (stat64, lstat64 and fstatat64 are i386 calls), and the io_uring calls,
// which the sandbox refuses (the refused attempt is told, as every i386
// call the sandbox refuses is).
var SampleCalls = append(slices.Clip(Calls), "stat", "lstat", "access", "newfstatat", "faccessat", "faccessat2", "statx",
	"readlink", "readlinkat", "stat64", "lstat64", "fstatat64", "io_uring_setup", "io_uring_enter", "io_uring_register")

// StreamCalls are the calls whose arguments a stream-mode tracer sends:
// SampleCalls (execve's successes come as exec events, its failures as
// calls).
var StreamCalls = slices.Clip(SampleCalls)

// newCall makes ev's call with args, its return value in strace's terms:
// a failure is -1 and its errno's name.
func newCall(ev bpftrace.Event, args string) *trace.Call {
	ret, errno := ev.Ret, ""
	if ev.RetKnown && ret < 0 && ret > -4096 {
		ret, errno = -1, unix.ErrnoName(syscall.Errno(-ev.Ret))
		if errno == "" {
			errno = "ERRNO_" + strconv.FormatInt(-ev.Ret, 10) // as strace names it
		}
	}
	call := trace.NewCall(ev.Pid, ev.Name, args, ret, ev.RetKnown, errno)
	call.Compat = ev.Compat
	call.RetPath = ev.RetPath
	return call
}

// uring describes an io_uring operation: io_uring_sqe(IORING_OP_READ,
// 3</etc/shadow>), io_uring_sqe(IORING_OP_OPENAT, AT_FDCWD,
// "/etc/shadow"); its result is unknown. An open's completion is
// io_uring_cqe(IORING_OP_OPENAT) with its descriptor and where the
// kernel resolved it (trace.Call.RetPath).
func (c *Converter) uring(ev bpftrace.Event) *trace.Call {
	args := bpftrace.Op(ev.Args[0])
	if ev.RetKnown {
		ev.Name = UringCompletion
		return newCall(ev, args)
	}
	fd := int(int32(ev.Args[1]))
	switch ev.Args[0] {
	case 18, 28: // IORING_OP_OPENAT, IORING_OP_OPENAT2
		d := "AT_FDCWD"
		if fd != unix.AT_FDCWD {
			d = fdText(fd, ev.FD)
		}
		args += ", " + d + ", " + Quote(ev.Path)
	default:
		args += ", " + fdText(fd, ev.FD)
	}
	ev.RetKnown = false
	return newCall(ev, args)
}

// call describes a call event in strace's notation, with what the kernel
// side read at its entry and what /proc tells of its descriptors; its
// return value is unknown.
func (c *Converter) call(ev bpftrace.Event) *trace.Call {
	switch ev.Name {
	case "openat":
		return newCall(ev, c.dirText(ev, int(int32(ev.Args[0])), ev.Path)+", "+Quote(ev.Path)+", "+openFlags(ev.Flags))
	case "open":
		s := Quote(ev.Path) + ", " + openFlags(ev.Flags)
		if ev.Flags&unix.O_CREAT != 0 {
			s += ", " + mode(ev.Args[2])
		}
		return newCall(ev, s)
	case "creat":
		return newCall(ev, Quote(ev.Path)+", "+mode(ev.Args[1]))
	case "openat2":
		return newCall(ev, c.dirText(ev, int(int32(ev.Args[0])), ev.Path)+", "+Quote(ev.Path)+", {flags="+openFlags(ev.Flags)+", resolve=0}, 24")
	case "execveat":
		// Only failures come as calls, as for execve.
		return newCall(ev, c.dirText(ev, int(int32(ev.Args[0])), ev.Path)+", "+Quote(ev.Path)+", "+failedArgv(ev)+", 0x0 /* 0 vars */, 0")
	case "sendto", "sendmsg":
		addr, n := sockaddrText(ev.Addr)
		if ev.Name == "sendmsg" {
			if addr == "" {
				addr = "NULL"
			}
			return newCall(ev, c.argFD(ev)+", {msg_name="+addr+", msg_namelen="+strconv.Itoa(n)+"}, 0")
		}
		if addr == "" {
			addr, n = "NULL", 0
		}
		return newCall(ev, c.argFD(ev)+", 0x"+strconv.FormatUint(uint64(ev.Args[1]), 16)+", "+strconv.FormatInt(ev.Args[2], 10)+", 0, "+addr+", "+strconv.Itoa(n))
	case "connect":
		addr, n := sockaddrText(ev.Addr)
		if addr == "" {
			if !ev.RetKnown {
				return nil
			}
			// A family not described here: its number alone.
			addr, n = "NULL", 0
			if len(ev.Addr) >= 2 {
				addr, n = "{sa_family="+strconv.Itoa(int(binary.LittleEndian.Uint16(ev.Addr)))+"}", len(ev.Addr)
			}
		}
		return newCall(ev, c.argFD(ev)+", "+addr+", "+strconv.Itoa(n))
	case "listen":
		return newCall(ev, c.argFD(ev)+", 4096")
	case "execve":
		// Only failures come as calls: the program did not change; the
		// kernel side read its first arguments.
		return newCall(ev, Quote(ev.Path)+", "+failedArgv(ev)+", 0x0 /* 0 vars */")
	}
	if args, ok := c.args(ev); ok {
		return newCall(ev, args)
	}
	if ev.RetKnown {
		return newCall(ev, "")
	}
	return nil
}

// args writes the arguments of the other described calls from their
// numbers and path, as strace -yy would; ok is false for a call it does
// not describe. Pointers to what the kernel side did not read are
// written as 0x...: only the rules' fields are there.
func (c *Converter) args(ev bpftrace.Event) (string, bool) {
	a := ev.Args
	num := func(i int) string { return strconv.FormatInt(int64(int32(a[i])), 10) }
	switch ev.Name {
	case "dup2":
		return c.argFD(ev) + ", " + num(1), true
	case "dup3":
		flags := "0"
		if a[2]&unix.O_CLOEXEC != 0 {
			flags = "O_CLOEXEC"
		}
		return c.argFD(ev) + ", " + num(1) + ", " + flags, true
	case "unlink", "chdir", "rmdir":
		return Quote(ev.Path), true
	case "mkdir":
		return Quote(ev.Path) + ", " + mode(a[1]), true
	case "mkdirat":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + mode(a[2]), true
	case "mknod":
		return Quote(ev.Path) + ", " + nodeMode(a[1]) + ", " + strconv.FormatInt(a[2], 10), true
	case "mknodat":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + nodeMode(a[2]), true
	case "chown", "lchown", "chown32", "lchown32":
		return Quote(ev.Path) + ", " + num(1) + ", " + num(2), true
	case "fchown", "fchown32":
		return c.argFD(ev) + ", " + num(1) + ", " + num(2), true
	case "fchownat":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + num(2) + ", 0, 0", true
	case "fchmodat2":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + mode(a[2]) + ", 0", true
	case "ftruncate":
		return c.argFD(ev) + ", " + strconv.FormatInt(a[1], 10), true
	case "readlink":
		return Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[1]), 16) + ", " + strconv.FormatInt(a[2], 10), true
	case "readlinkat":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[2]), 16), true
	case "stat64", "lstat64":
		return Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[1]), 16), true
	case "fstatat64":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[2]), 16) + ", 0", true
	case "unlinkat":
		flags := "0"
		if a[2]&unix.AT_REMOVEDIR != 0 {
			flags = "AT_REMOVEDIR"
		}
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + flags, true
	case "chmod":
		return Quote(ev.Path) + ", " + mode(a[1]), true
	case "fchmodat":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + mode(a[2]), true
	case "fchmod":
		return c.argFD(ev) + ", " + mode(a[1]), true
	case "stat", "lstat":
		return Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[1]), 16), true
	case "access":
		return Quote(ev.Path) + ", " + accessMode(a[1]), true
	case "newfstatat":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[2]), 16) + ", 0", true
	case "faccessat", "faccessat2":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + accessMode(a[2]), true
	case "statx":
		return c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", 0x" + strconv.FormatUint(uint64(a[2]), 16) + ", STATX_BASIC_STATS, 0x0", true
	case "rename", "link", "symlink":
		return Quote(ev.Path) + ", " + Quote(ev.Path2), true
	case "renameat", "renameat2", "linkat":
		s := c.dirText(ev, int(int32(a[0])), ev.Path) + ", " + Quote(ev.Path) + ", " + c.dirText(ev, int(int32(a[2])), ev.Path2) + ", " + Quote(ev.Path2)
		if ev.Name != "renameat" {
			s += ", 0"
		}
		return s, true
	case "symlinkat":
		return Quote(ev.Path) + ", " + c.dirText(ev, int(int32(a[1])), ev.Path2) + ", " + Quote(ev.Path2), true
	case "truncate", "truncate64":
		return Quote(ev.Path) + ", " + strconv.FormatInt(a[1], 10), true
	case "ptrace":
		return ptraceRequest(a[0]) + ", " + num(1), true
	case "setuid", "setgid", "setfsuid", "setfsgid", "setuid32", "setgid32":
		return num(0), true
	case "setreuid", "setregid":
		return num(0) + ", " + num(1), true
	case "setresuid", "setresgid", "setresuid32", "setresgid32":
		return num(0) + ", " + num(1) + ", " + num(2), true
	case "delete_module":
		flags := []string{}
		for _, f := range []struct {
			bit  int64
			name string
		}{{unix.O_NONBLOCK, "O_NONBLOCK"}, {unix.O_TRUNC, "O_TRUNC"}} {
			if a[1]&f.bit != 0 {
				flags = append(flags, f.name)
			}
		}
		if len(flags) == 0 {
			flags = append(flags, "0")
		}
		return Quote(ev.Path) + ", " + strings.Join(flags, "|"), true
	case "init_module":
		return "0x" + strconv.FormatUint(uint64(a[0]), 16) + ", " + strconv.FormatInt(a[1], 10) + ", 0x" + strconv.FormatUint(uint64(a[2]), 16), true
	case "finit_module":
		return c.argFD(ev) + ", 0x" + strconv.FormatUint(uint64(a[1]), 16) + ", " + num(2), true
	case "prctl":
		if a[0] == unix.PR_SET_NAME {
			return "PR_SET_NAME, " + Quote(ev.Path), true
		}
		return strconv.FormatInt(a[0], 10) + ", 0x" + strconv.FormatUint(uint64(a[1]), 16), true
	case "capset":
		return capsetText(ev), true
	case "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load":
		return "", true // their name is what the rules read
	case "clone":
		// Sent only when a seccomp filter refused it (the sandbox's
		// refuses CLONE_UNTRACED); a clone that made a process is its
		// fork event.
		return "child_stack=" + pointer(a[1]) + ", flags=" + cloneFlags(uint64(uint32(a[0])), true), true
	case "clone3":
		// Sent only when a seccomp filter refused it; the kernel side
		// read its flags into the third number.
		return "{flags=" + cloneFlags(uint64(a[2]), false) + "}, " + strconv.FormatInt(a[1], 10), true
	case "socket":
		return named(socketFamilies, a[0]) + ", " + socketType(a[1]) + ", " + num(2), true
	case "bpf":
		return named(bpfCommands, a[0]) + ", 0x" + strconv.FormatUint(uint64(a[1]), 16) + ", " + num(2), true
	case "reboot", "settimeofday", "clock_settime", "stime":
		// Their name is what the rules read; the numbers as strace
		// writes what it cannot name.
		return hexArgs(a[:]), true
	}
	return "", false
}

// capsetText writes capset's arguments as strace -v does:
// {version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_NET_RAW,
// permitted=1<<CAP_NET_RAW, inheritable=0}; what the kernel side could not
// read, as the pointer.
func capsetText(ev bpftrace.Event) string {
	ptr := func(p int64) string {
		if p == 0 {
			return "NULL"
		}
		return "0x" + strconv.FormatUint(uint64(p), 16)
	}
	if ev.Compat {
		ev.Args[0], ev.Args[1] = int64(uint32(ev.Args[0])), int64(uint32(ev.Args[1]))
	}
	c := ev.Cap
	if c == nil {
		return ptr(ev.Args[0]) + ", " + ptr(ev.Args[1])
	}
	v, ok := capVersions[c.Version]
	if !ok {
		v = "0x" + strconv.FormatUint(uint64(c.Version), 16) + " /* _LINUX_CAPABILITY_VERSION_??? */"
	}
	s := "{version=" + v + ", pid=" + strconv.Itoa(int(c.Pid)) + "}, "
	if !c.Sets {
		return s + ptr(ev.Args[1])
	}
	return s + "{effective=" + capBits(c.Effective) + ", permitted=" + capBits(c.Permitted) + ", inheritable=" + capBits(c.Inheritable) + "}"
}

var capVersions = map[uint32]string{0x19980330: "_LINUX_CAPABILITY_VERSION_1", 0x20071026: "_LINUX_CAPABILITY_VERSION_2",
	0x20080522: "_LINUX_CAPABILITY_VERSION_3"}

// capNames are the capabilities by number, as strace 6 names them.
var capNames = [...]string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"}

// capBits writes a capability set as strace does, each half on its own:
// 1<<CAP_CHOWN|1<<CAP_MAC_OVERRIDE, 0; bits it cannot name as the half's
// hex value, 0x200 /* CAP_??? */ when nothing else is named.
func capBits(v uint64) string {
	half := func(h uint32, base int) string {
		var parts []string
		for i := range 32 {
			if h&(1<<i) != 0 && base+i < len(capNames) {
				parts = append(parts, "1<<"+capNames[base+i])
				h &^= 1 << i
			}
		}
		switch {
		case h == 0 && len(parts) == 0:
			return "0"
		case h == 0:
			return strings.Join(parts, "|")
		case len(parts) == 0:
			return "0x" + strconv.FormatUint(uint64(h), 16) + " /* CAP_??? */"
		}
		return strings.Join(parts, "|") + "|0x" + strconv.FormatUint(uint64(h), 16)
	}
	lo, hi := uint32(v), uint32(v>>32)
	s := ""
	if lo != 0 || hi == 0 {
		s = half(lo, 0)
	}
	if hi != 0 {
		if lo != 0 {
			s += "|"
		}
		s += half(hi, 32)
	}
	return s
}

// pointer writes an address as strace does: NULL, 0x7ffd1000.
func pointer(p int64) string {
	if p == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(uint64(p), 16)
}

// cloneFlags writes clone's flags as strace does: CLONE_UNTRACED|SIGCHLD
// (clone's low byte is the signal sent at the child's exit; clone3 has
// CLONE_NEWTIME there, its signal apart).
func cloneFlags(f uint64, signal bool) string {
	var sig uint64
	var parts []string
	if signal {
		sig, f = f&0xff, f&^0xff
	} else if f&0x80 != 0 {
		parts = append(parts, "CLONE_NEWTIME")
		f &^= 0x80
	}
	for i, name := range cloneFlagNames {
		if bit := uint64(1) << (8 + i); f&bit != 0 {
			parts = append(parts, name)
			f &^= bit
		}
	}
	if f != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(f, 16))
	}
	if sig != 0 {
		name := unix.SignalName(syscall.Signal(sig))
		if name == "" {
			name = strconv.FormatUint(sig, 10)
		}
		parts = append(parts, name)
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// cloneFlagNames are clone's flags from bit 8 on.
var cloneFlagNames = [...]string{"CLONE_VM", "CLONE_FS", "CLONE_FILES", "CLONE_SIGHAND", "CLONE_PIDFD", "CLONE_PTRACE",
	"CLONE_VFORK", "CLONE_PARENT", "CLONE_THREAD", "CLONE_NEWNS", "CLONE_SYSVSEM", "CLONE_SETTLS", "CLONE_PARENT_SETTID",
	"CLONE_CHILD_CLEARTID", "CLONE_DETACHED", "CLONE_UNTRACED", "CLONE_CHILD_SETTID", "CLONE_NEWCGROUP", "CLONE_NEWUTS",
	"CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_IO", "CLONE_CLEAR_SIGHAND", "CLONE_INTO_CGROUP"}

// socketFamilies and bpfCommands name the numbers strace names in
// socket's first argument and bpf's command.
var (
	socketFamilies = map[int64]string{unix.AF_UNIX: "AF_UNIX", unix.AF_INET: "AF_INET", unix.AF_INET6: "AF_INET6",
		unix.AF_NETLINK: "AF_NETLINK", unix.AF_PACKET: "AF_PACKET", unix.AF_BLUETOOTH: "AF_BLUETOOTH", unix.AF_VSOCK: "AF_VSOCK"}
	bpfCommands = map[int64]string{unix.BPF_MAP_CREATE: "BPF_MAP_CREATE", unix.BPF_MAP_LOOKUP_ELEM: "BPF_MAP_LOOKUP_ELEM",
		unix.BPF_MAP_UPDATE_ELEM: "BPF_MAP_UPDATE_ELEM", unix.BPF_MAP_DELETE_ELEM: "BPF_MAP_DELETE_ELEM",
		unix.BPF_MAP_GET_NEXT_KEY: "BPF_MAP_GET_NEXT_KEY", unix.BPF_PROG_LOAD: "BPF_PROG_LOAD", unix.BPF_OBJ_PIN: "BPF_OBJ_PIN",
		unix.BPF_OBJ_GET: "BPF_OBJ_GET", unix.BPF_PROG_ATTACH: "BPF_PROG_ATTACH", unix.BPF_PROG_DETACH: "BPF_PROG_DETACH",
		unix.BPF_RAW_TRACEPOINT_OPEN: "BPF_RAW_TRACEPOINT_OPEN", unix.BPF_BTF_LOAD: "BPF_BTF_LOAD", unix.BPF_LINK_CREATE: "BPF_LINK_CREATE"}
)

// named writes n by its name in names, or as a number.
func named(names map[int64]string, n int64) string {
	if s, ok := names[int64(int32(n))]; ok {
		return s
	}
	return strconv.FormatInt(int64(int32(n)), 10)
}

// socketType writes socket's type argument as strace does: SOCK_RAW,
// SOCK_STREAM|SOCK_CLOEXEC.
func socketType(t int64) string {
	base := map[int64]string{unix.SOCK_STREAM: "SOCK_STREAM", unix.SOCK_DGRAM: "SOCK_DGRAM", unix.SOCK_RAW: "SOCK_RAW",
		unix.SOCK_SEQPACKET: "SOCK_SEQPACKET", unix.SOCK_RDM: "SOCK_RDM"}
	s := named(base, t&0xf)
	if t&unix.SOCK_NONBLOCK != 0 {
		s += "|SOCK_NONBLOCK"
	}
	if t&unix.SOCK_CLOEXEC != 0 {
		s += "|SOCK_CLOEXEC"
	}
	return s
}

// hexArgs writes numbers as strace writes pointers and values it does
// not decode.
func hexArgs(a []int64) string {
	parts := make([]string, len(a))
	for i, v := range a {
		parts[i] = "0x" + strconv.FormatUint(uint64(v), 16)
	}
	return strings.Join(parts, ", ")
}

// accessMode writes access's mode as strace does: F_OK, R_OK|X_OK.
func accessMode(m int64) string {
	if m == 0 {
		return "F_OK"
	}
	var parts []string
	for _, f := range []struct {
		bit  int64
		name string
	}{{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}} {
		if m&f.bit != 0 {
			parts = append(parts, f.name)
		}
	}
	if rest := m &^ 7; rest != 0 {
		parts = append(parts, "0x"+strconv.FormatInt(rest, 16))
	}
	return strings.Join(parts, "|")
}

// mode writes a file mode as strace does: 0755, 04755.
func mode(m int64) string { return "0" + strconv.FormatInt(m&0o7777, 8) }

// nodeMode writes mknod's mode as strace does: S_IFIFO|0644.
func nodeMode(m int64) string {
	t := map[int64]string{unix.S_IFREG: "S_IFREG", unix.S_IFCHR: "S_IFCHR", unix.S_IFBLK: "S_IFBLK",
		unix.S_IFIFO: "S_IFIFO", unix.S_IFSOCK: "S_IFSOCK"}[m&unix.S_IFMT]
	if t == "" {
		return mode(m)
	}
	return t + "|" + mode(m)
}

// dirText writes the folder descriptor of an *at call as strace -yy
// does: AT_FDCWD, with the working folder when the path is relative, or
// the descriptor with its folder, as the kernel side read it when the
// call was made (the call's first descriptor; another, as its number).
func (c *Converter) dirText(ev bpftrace.Event, dirfd int, path string) string {
	if dirfd == unix.AT_FDCWD {
		if strings.HasPrefix(path, "/") {
			return "AT_FDCWD"
		}
		if cwd := c.folder(ev.Pid); cwd != "" {
			return "AT_FDCWD<" + cwd + ">"
		}
		return "AT_FDCWD"
	}
	if dirfd != int(int32(ev.Args[0])) {
		return strconv.Itoa(dirfd)
	}
	return fdText(dirfd, ev.FD)
}

// ptraceRequest names a ptrace request as strace does.
func ptraceRequest(r int64) string {
	if n, ok := ptraceRequests[r]; ok {
		return n
	}
	return "0x" + strconv.FormatInt(r, 16) + " /* PTRACE_??? */"
}

var ptraceRequests = map[int64]string{
	0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSER",
	4: "PTRACE_POKETEXT", 5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 7: "PTRACE_CONT",
	8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP", 12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS",
	14: "PTRACE_GETFPREGS", 15: "PTRACE_SETFPREGS", 16: "PTRACE_ATTACH", 17: "PTRACE_DETACH",
	18: "PTRACE_GETFPXREGS", 19: "PTRACE_SETFPXREGS", 24: "PTRACE_SYSCALL",
	0x4200: "PTRACE_SETOPTIONS", 0x4201: "PTRACE_GETEVENTMSG", 0x4202: "PTRACE_GETSIGINFO",
	0x4203: "PTRACE_SETSIGINFO", 0x4204: "PTRACE_GETREGSET", 0x4205: "PTRACE_SETREGSET",
	0x4206: "PTRACE_SEIZE", 0x4207: "PTRACE_INTERRUPT", 0x4208: "PTRACE_LISTEN",
}

// argFD writes the call's first argument, a descriptor, as strace -yy
// does, from what the kernel side read of it when the call was made.
func (c *Converter) argFD(ev bpftrace.Event) string {
	fd := int(int32(ev.Args[0]))
	switch ev.Name {
	case "connect", "listen", "sendto", "sendmsg":
		fd = ev.Flags
	}
	return fdText(fd, ev.FD)
}

// fdText writes descriptor fd as strace -yy does, from what the kernel
// side read of it (d): 3</etc/passwd>, 3<TCP:[127.0.0.1:8080]>,
// 3<pipe:[1234]>, 3<anon_inode:[eventfd]>; as its number when it could
// not tell.
func fdText(fd int, d *bpftrace.FD) string {
	s := strconv.Itoa(fd)
	switch {
	case d == nil:
		return s
	case d.Socket:
		return s + "<" + socketText(d) + ">"
	case d.Pipe:
		return s + "<pipe:[" + strconv.FormatUint(d.Ino, 10) + "]>"
	case d.Path != "":
		return s + "<" + d.Path + ">"
	}
	return s
}

// socketText describes a socket as strace -yy does: TCP:[127.0.0.1:8080],
// TCPv6:[[::1]:22->[::1]:5555], UDP:[...], UNIX:[ino], socket:[ino].
func socketText(d *bpftrace.FD) string {
	ino := "[" + strconv.FormatUint(d.Ino, 10) + "]"
	proto := ""
	switch {
	case d.Family == unix.AF_UNIX:
		return "UNIX:" + ino
	case d.Family == unix.AF_INET && d.Type == unix.SOCK_STREAM:
		proto = "TCP"
	case d.Family == unix.AF_INET && d.Type == unix.SOCK_DGRAM:
		proto = "UDP"
	case d.Family == unix.AF_INET6 && d.Type == unix.SOCK_STREAM:
		proto = "TCPv6"
	case d.Family == unix.AF_INET6 && d.Type == unix.SOCK_DGRAM:
		proto = "UDPv6"
	default:
		return "socket:" + ino
	}
	if d.Local.Port() == 0 && d.Remote.Port() == 0 {
		// Neither bound nor connected: strace -yy, which finds no line
		// for it in /proc/net, writes its inode.
		return proto + ":" + ino
	}
	s := d.Local.String()
	if d.Remote.Port() != 0 {
		s += "->" + d.Remote.String()
	}
	return proto + ":[" + s + "]"
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
		return "{sa_family=AF_UNIX, sun_path=" + at + Quote(p) + "}", len(b)
	}
	return "", 0
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

// Quote writes s as strace writes a string: printable ASCII as it is,
// quotes and backslashes escaped, anything else in \x notation.
func Quote(s string) string {
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
		q[i] = Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var openFlagNames = []struct {
	bit  int
	name string
}{
	{0o100, "O_CREAT"}, {0o200, "O_EXCL"}, {0o400, "O_NOCTTY"}, {0o1000, "O_TRUNC"}, {0o2000, "O_APPEND"},
	{0o4000, "O_NONBLOCK"}, {0o10000, "O_DSYNC"}, {0o200000, "O_DIRECTORY"}, {0o400000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"}, {0o2000000, "O_CLOEXEC"}, {0o10000000, "O_PATH"}, {0o20000000, "__O_TMPFILE"},
}
