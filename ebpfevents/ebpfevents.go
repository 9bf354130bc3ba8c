// Package ebpfevents turns the eBPF tracer's events (package bpftrace)
// into the trace package's events, described in strace's notation, so that
// the consumers of strace's stream (the behaviour rules above all) judge
// them alike. The kernel side reads a call's arguments at its entry; what
// it cannot see (a relative path's folder, a socket's addresses, a new
// program's argv) is read from /proc while the process runs, best effort.
// Return values are known in stream mode (bpftrace.Config.Stream), where
// every call is an event; otherwise they are unknown ("= ?").
package ebpfevents

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/procmetrics"
	"detector/trace"
)

// Converter describes events; its zero value is not ready: use New.
type Converter struct {
	fs     procfs.FS
	stream bool
	// forked is, in stream mode, each process's last new child, as its
	// fork event told it, until the call that made it returns.
	forked map[int]int
}

// New returns a converter reading the host's /proc.
func New() *Converter {
	fs, _ := procfs.NewDefaultFS()
	return &Converter{fs: fs}
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

// Events feeds the trace events ev stands for, timed now (since the
// epoch): a fork is a clone call and a spawn, an exec an execve call and
// an exec, an exit an exit, a call event its call.
func (c *Converter) Events(ev bpftrace.Event, now time.Duration, feed func(*trace.Event)) {
	emit := func(e *trace.Event) {
		e.SetTime(now)
		feed(e)
	}
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
		// The new program's argv, read while it runs (a program that
		// exits at once leaves its path alone).
		argv := []string{ev.Path}
		if p, err := c.fs.Proc(ev.Pid); err == nil {
			if a, err := p.CmdLine(); err == nil && len(a) > 0 {
				argv = a
			}
		}
		call := ExecCall(ev.Pid, ev.Path, argv)
		emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: call})
		emit(&trace.Event{Kind: trace.EventExec, PID: ev.Pid, Call: call})
	case bpftrace.Call:
		if call := c.call(ev); call != nil {
			emit(&trace.Event{Kind: trace.EventCall, PID: ev.Pid, Call: call})
		}
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
	return trace.NewCall(pid, "execve", Quote(path)+", "+quoteArray(argv)+", 0x0 /* 0 vars */", 0, true, "")
}

// Calls are the calls whose events the converter describes.
var Calls = []string{"openat", "connect", "listen"}

// StreamCalls are the calls whose arguments a stream-mode tracer sends:
// Calls, and execve, whose successes come as exec events and whose
// failures come as calls.
var StreamCalls = append(slices.Clip(Calls), "execve")

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
	return trace.NewCall(ev.Pid, ev.Name, args, ret, ev.RetKnown, errno)
}

// call describes a call event in strace's notation, with what the kernel
// side read at its entry and what /proc tells of its descriptors; its
// return value is unknown.
func (c *Converter) call(ev bpftrace.Event) *trace.Call {
	switch ev.Name {
	case "openat":
		dir := "AT_FDCWD"
		if !strings.HasPrefix(ev.Path, "/") {
			// A relative path: the folder it is relative to, best effort.
			if cwd, err := os.Readlink("/proc/" + strconv.Itoa(ev.Pid) + "/cwd"); err == nil {
				dir += "<" + cwd + ">"
			}
		}
		return newCall(ev, dir+", "+Quote(ev.Path)+", "+openFlags(ev.Flags))
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
		return newCall(ev, c.fdText(ev.Pid, ev.Flags)+", "+addr+", "+strconv.Itoa(n))
	case "listen":
		return newCall(ev, c.fdText(ev.Pid, ev.Flags)+", 4096")
	case "execve":
		// Only failures come as calls (stream mode): the program did not
		// change, and its argv is not known.
		return newCall(ev, Quote(ev.Path)+", "+quoteArray([]string{ev.Path})+", 0x0 /* 0 vars */")
	}
	if ev.RetKnown {
		return newCall(ev, "")
	}
	return nil
}

// fdText writes a socket descriptor as strace -yy does when /proc tells
// its addresses (3<TCP:[127.0.0.1:8080]>), else as its number.
func (c *Converter) fdText(pid, fd int) string {
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
	if k, ok := procmetrics.ReadSockets(c.fs)[n]; ok {
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

func hostPort(ip net.IP, port int) string {
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}
