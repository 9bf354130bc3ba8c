package ebpfevents

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/rules"
	"detector/trace"
)

func sockaddr(fam uint16, port uint16, addr []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, fam)
	b = binary.BigEndian.AppendUint16(b, port)
	if fam == unix.AF_INET6 {
		b = append(b, 0, 0, 0, 0) // flow info
	}
	return append(b, addr...)
}

func TestSockaddrText(t *testing.T) {
	v6 := make([]byte, 16)
	v6[15] = 1
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{sockaddr(unix.AF_INET, 4444, []byte{10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}), `{sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("10.0.0.1")}`},
		{sockaddr(unix.AF_INET6, 22, append(v6, 0, 0, 0, 0)), `{sa_family=AF_INET6, sin6_port=htons(22), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}`},
		{append(binary.LittleEndian.AppendUint16(nil, unix.AF_UNIX), "/run/x.sock\x00junk"...), `{sa_family=AF_UNIX, sun_path="/run/x.sock"}`},
		{append(binary.LittleEndian.AppendUint16(nil, unix.AF_UNIX), "\x00hidden\x00"...), `{sa_family=AF_UNIX, sun_path=@"hidden"}`},
		{[]byte{2}, ""},
		{sockaddr(unix.AF_INET, 1, []byte{1}), ""},
		{binary.LittleEndian.AppendUint16(nil, 99), ""},
	} {
		if got, _ := sockaddrText(c.b); got != c.want {
			t.Errorf("sockaddrText(%x) = %q, want %q", c.b, got, c.want)
		}
	}
}

func TestOpenFlags(t *testing.T) {
	for f, want := range map[int]string{
		0: "O_RDONLY",
		unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC: "O_WRONLY|O_CREAT|O_TRUNC",
		unix.O_RDWR | unix.O_CLOEXEC:                "O_RDWR|O_CLOEXEC",
		unix.O_RDONLY | 1<<30:                       "O_RDONLY|0x40000000",
	} {
		if got := openFlags(f); got != want {
			t.Errorf("openFlags(%#o) = %q, want %q", f, got, want)
		}
	}
}

// FuzzSockaddrText: any bytes a process hands to connect give no panic,
// and a text that is one argument of strace's notation, read back the
// same by the trace package.
func FuzzSockaddrText(f *testing.F) {
	f.Add(sockaddr(unix.AF_INET, 80, []byte{127, 0, 0, 1}))
	f.Add(append(binary.LittleEndian.AppendUint16(nil, unix.AF_UNIX), "\x00a\"b\\c\xff"...))
	f.Add([]byte{10, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, n := sockaddrText(b)
		if s == "" {
			return
		}
		c := trace.NewCall(1, "connect", "3, "+s+", 16", 0, false, "")
		if c.Arg(1) != s || c.Arg(2) != "16" || n <= 0 {
			t.Fatalf("%q splits into %q and %q", s, c.Arg(1), c.Arg(2))
		}
	})
}

// FuzzQuote: a string written by Quote reads back the same.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"/etc/passwd", "a \"b\" \\c", "\x00\x1b[2J\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		got, _, ok := trace.Unquote(q)
		if !ok || got != s || strings.ContainsAny(q[1:len(q)-1], "\n\x00") {
			t.Fatalf("Quote(%q) = %q reads back %q (%v)", s, q, got, ok)
		}
	})
}

// TestStreamEvents: in stream mode a call event carries its result as
// strace writes it (a failure as -1 and its errno's name), a fork is a
// spawn alone, the forking call returns the child's number on the host,
// and an exit_group has its status and no result; the lines these make
// read back as the same calls.
func TestStreamEvents(t *testing.T) {
	c := NewStream()
	var got []string
	var log []byte
	feed := func(e *trace.Event) {
		s := e.Kind.String()
		if e.Call != nil {
			s += " " + strings.TrimSpace(string(e.AppendLine(nil)))
		}
		if e.Kind == trace.EventSpawn {
			s += " " + strconv.Itoa(e.PID) + ">" + strconv.Itoa(e.Child)
		}
		got = append(got, s)
		log = e.AppendLine(log)
	}
	for _, ev := range []bpftrace.Event{
		{Kind: bpftrace.Sys, Pid: 7, Name: "getppid", Ret: 1, RetKnown: true},
		{Kind: bpftrace.Call, Pid: 7, Name: "openat", Path: "/etc/shadow", Ret: -int64(unix.EACCES), RetKnown: true, Args: [3]int64{unix.AT_FDCWD}},
		{Kind: bpftrace.Call, Pid: 7, Name: "execve", Path: "/tmp/x", Ret: -int64(unix.ENOENT), RetKnown: true},
		{Kind: bpftrace.Fork, Pid: 7, Child: 4242},
		{Kind: bpftrace.Sys, Pid: 7, Name: "clone", Ret: 3, RetKnown: true},
		{Kind: bpftrace.Sys, Pid: 7, Name: "clone", Ret: 4, RetKnown: true}, // a thread: no fork event
		{Kind: bpftrace.Sys, Pid: 4242, Name: "exit_group", Arg0: 3},
		{Kind: bpftrace.Exit, Pid: 4242, Code: 3 << 8},
		{Kind: bpftrace.Sys, Pid: 7, Name: "syscall_0x1ff", Ret: -600, RetKnown: true},
	} {
		c.Events(ev, 1700000000*time.Second, feed)
	}
	want := []string{
		"call 7 1700000000.000000 getppid() = 1",
		`call 7 1700000000.000000 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = -1 EACCES`,
		`call 7 1700000000.000000 execve("/tmp/x", ["/tmp/x"], 0x0 /* 0 vars */) = -1 ENOENT`,
		"spawn 7>4242",
		"call 7 1700000000.000000 clone() = 4242",
		"call 7 1700000000.000000 clone() = 4",
		"call 4242 1700000000.000000 exit_group(3) = ?",
		"exit",
		"call 7 1700000000.000000 syscall_0x1ff() = -1 ERRNO_600",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	n := 0
	if _, err := trace.ParseEvents(bytes.NewReader(log), func(e *trace.Event) error {
		if e.Kind == trace.EventCall {
			n++
		}
		return nil
	}); err != nil || n != 7 {
		t.Fatalf("the log reads back as %d calls (%v), want 7:\n%s", n, err, log)
	}
}

// TestDescribedCalls: each described call is written in strace's
// notation from the numbers, paths and descriptor the kernel side read,
// relative paths against the working folder the events told.
func TestDescribedCalls(t *testing.T) {
	c := New()
	c.SetStartCwd("/run/w")
	sock := &bpftrace.FD{Socket: true, Family: unix.AF_INET, Type: unix.SOCK_STREAM, Ino: 77,
		Local:  netip.MustParseAddrPort("127.0.0.1:4444"),
		Remote: netip.MustParseAddrPort("127.0.0.1:5555")}
	events := []bpftrace.Event{
		{Kind: bpftrace.Call, Pid: 9, Name: "dup2", Args: [3]int64{3, 0}, FD: sock},
		{Kind: bpftrace.Call, Pid: 9, Name: "chdir", Path: "sub"},
		{Kind: bpftrace.Call, Pid: 9, Name: "openat", Path: "x", Flags: unix.O_WRONLY | unix.O_CREAT, Args: [3]int64{unix.AT_FDCWD}},
		{Kind: bpftrace.Call, Pid: 9, Name: "unlinkat", Path: "y", Args: [3]int64{unix.AT_FDCWD, 0, unix.AT_REMOVEDIR}},
		{Kind: bpftrace.Call, Pid: 9, Name: "fchmodat", Path: "/tmp/a", Args: [3]int64{unix.AT_FDCWD, 0, 0o4755}},
		{Kind: bpftrace.Call, Pid: 9, Name: "renameat2", Path: "a", Path2: "/b", Args: [3]int64{unix.AT_FDCWD, 0, unix.AT_FDCWD}},
		{Kind: bpftrace.Call, Pid: 9, Name: "symlink", Path: "/dev/null", Path2: ".bash_history"},
		{Kind: bpftrace.Call, Pid: 9, Name: "newfstatat", Path: "/h/.ssh/id_rsa", Args: [3]int64{unix.AT_FDCWD, 0, 0x7ffd}},
		{Kind: bpftrace.Call, Pid: 9, Name: "access", Path: "/etc/shadow", Args: [3]int64{0, unix.R_OK | unix.W_OK}},
		{Kind: bpftrace.Call, Pid: 9, Name: "ptrace", Args: [3]int64{16, 42}},
		{Kind: bpftrace.Call, Pid: 9, Name: "setresuid", Args: [3]int64{0, 0xffffffff, 0}},
		{Kind: bpftrace.Call, Pid: 9, Name: "prctl", Path: "[kworker/0:1]", Args: [3]int64{unix.PR_SET_NAME}},
		{Kind: bpftrace.Call, Pid: 9, Name: "delete_module", Path: "m", Args: [3]int64{0, unix.O_NONBLOCK}},
		{Kind: bpftrace.Call, Pid: 9, Name: "capset", Cap: &bpftrace.CapData{Version: 0x20080522, Sets: true, Effective: 1 << 13, Permitted: 1 << 13}},
		{Kind: bpftrace.Fork, Pid: 9, Child: 10},
		{Kind: bpftrace.Call, Pid: 10, Name: "openat", Path: "z", Args: [3]int64{unix.AT_FDCWD}},
		{Kind: bpftrace.Exec, Pid: 10, Path: "/bin/sh", Argv: []string{"sh", "-i"}},
		{Kind: bpftrace.Exec, Pid: 10, Path: "/bin/x", Argv: []string{"x", "aaa"}, ArgvCut: true, EnvCount: 12},
		{Kind: bpftrace.Exec, Pid: 10, Path: "/bin/y", Argv: []string{"y"}, EnvCount: 3, Env: []string{"HISTFILE=/dev/null", "LD_PRELOAD=/tmp/a"}, EnvCut: 2},
		{Kind: bpftrace.Exec, Pid: 10, Path: "/bin/z", Argv: []string{"z"}, EnvCount: 1, Env: []string{"HISTSIZE=0"}},
	}
	want := []string{
		"dup2(3<TCP:[127.0.0.1:4444->127.0.0.1:5555]>, 0)",
		`chdir("sub")`,
		`openat(AT_FDCWD</run/w/sub>, "x", O_WRONLY|O_CREAT)`,
		`unlinkat(AT_FDCWD</run/w/sub>, "y", AT_REMOVEDIR)`,
		`fchmodat(AT_FDCWD, "/tmp/a", 04755)`,
		`renameat2(AT_FDCWD</run/w/sub>, "a", AT_FDCWD, "/b", 0)`,
		`symlink("/dev/null", ".bash_history")`,
		`newfstatat(AT_FDCWD, "/h/.ssh/id_rsa", 0x7ffd, 0)`,
		`access("/etc/shadow", R_OK|W_OK)`,
		"ptrace(PTRACE_ATTACH, 42)",
		"setresuid(0, -1, 0)",
		`prctl(PR_SET_NAME, "[kworker/0:1]")`,
		`delete_module("m", O_NONBLOCK)`,
		"capset({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_NET_RAW, permitted=1<<CAP_NET_RAW, inheritable=0})",
		"clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD)",
		`openat(AT_FDCWD</run/w/sub>, "z", O_RDONLY)`,
		`execve("/bin/sh", ["sh", "-i"], 0x0 /* 0 vars */)`,
		`execve("/bin/x", ["x", "aaa"...], 0x0 /* 12 vars */)`,
		`execve("/bin/y", ["y"], ["HISTFILE=/dev/null", "LD_PRELOAD=/tmp/a"..., ...])`,
		`execve("/bin/z", ["z"], ["HISTSIZE=0"])`,
	}
	var got []string
	for _, ev := range events {
		c.Events(ev, time.Second, func(e *trace.Event) {
			if e.Kind == trace.EventCall {
				got = append(got, e.Call.Name+"("+e.Call.Args()+")")
			}
		})
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A descriptor is written from what the kernel side read of it when the
// call was made, never from /proc, where the number may name something
// else by then: a background job's dup2 of /dev/null onto its input,
// whose descriptor 3 is, when the converter sees the event, a socket.
func TestDescriptorsFromKernel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd()) // a socket in this process now
	c := New()
	text := func(ev bpftrace.Event) string {
		var s string
		c.Events(ev, time.Second, func(e *trace.Event) { s = e.Call.Name + "(" + e.Call.Args() + ")" })
		return s
	}
	null := &bpftrace.FD{Ino: 5, Dev: 6, Path: "/dev/null"}
	for _, tc := range []struct {
		ev   bpftrace.Event
		want string
	}{
		{bpftrace.Event{Kind: bpftrace.Call, Pid: os.Getpid(), Name: "dup2", Args: [3]int64{int64(fd), 0}, FD: null},
			"dup2(" + strconv.Itoa(fd) + "</dev/null>, 0)"},
		// Nothing read: the number alone, not what /proc says.
		{bpftrace.Event{Kind: bpftrace.Call, Pid: os.Getpid(), Name: "dup2", Args: [3]int64{int64(fd), 0}},
			"dup2(" + strconv.Itoa(fd) + ", 0)"},
		{bpftrace.Event{Kind: bpftrace.Call, Pid: os.Getpid(), Name: "openat", Path: "hostname", Args: [3]int64{int64(fd)},
			FD: &bpftrace.FD{Ino: 7, Dev: 6, Path: "/etc"}},
			"openat(" + strconv.Itoa(fd) + `</etc>, "hostname", O_RDONLY)`},
		{bpftrace.Event{Kind: bpftrace.Call, Pid: os.Getpid(), Name: "dup2", Args: [3]int64{int64(fd), 1}, FD: &bpftrace.FD{Pipe: true, Ino: 99}},
			"dup2(" + strconv.Itoa(fd) + "<pipe:[99]>, 1)"},
	} {
		if got := text(tc.ev); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}

// The calls the default rules read come with what the kernel resolved
// (RetPath), their ABI (Compat), and io_uring operations as io_uring_sqe
// calls.
func TestResolvedCompatUring(t *testing.T) {
	c := New()
	shadow := &bpftrace.FD{Ino: 1, Dev: 2, Path: "/etc/shadow"}
	events := []bpftrace.Event{
		{Kind: bpftrace.Call, Pid: 9, Name: "open", Path: "/home/x/notes", Flags: unix.O_RDONLY, Ret: 3, RetKnown: true, RetPath: "/etc/shadow"},
		{Kind: bpftrace.Call, Pid: 9, Name: "open", Path: "/etc/shadow", Flags: unix.O_RDONLY, Ret: -int64(unix.EACCES), RetKnown: true, Compat: true},
		{Kind: bpftrace.Call, Pid: 9, Name: "creat", Path: "/etc/shadow", Args: [3]int64{0, 0o644}, Ret: -int64(unix.EACCES), RetKnown: true},
		{Kind: bpftrace.Call, Pid: 9, Name: "openat2", Path: "/etc/shadow", Args: [3]int64{unix.AT_FDCWD}, Flags: unix.O_RDONLY, Ret: 4, RetKnown: true, RetPath: "/etc/shadow"},
		{Kind: bpftrace.Call, Pid: 9, Name: "execve", Path: "/tmp/x", Ret: -int64(unix.ENOEXEC), RetKnown: true},
		{Kind: bpftrace.Call, Pid: 9, Name: "sendto", Args: [3]int64{3, 0x1000, 5}, Flags: 3,
			Addr: []byte{2, 0, 0x11, 0x5c, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
		{Kind: bpftrace.Call, Pid: 9, Name: "mkdir", Path: "/tmp/d", Args: [3]int64{0, 0o755}},
		{Kind: bpftrace.Call, Pid: 9, Name: "mknod", Path: "/tmp/p", Args: [3]int64{0, unix.S_IFIFO | 0o644}},
		{Kind: bpftrace.Call, Pid: 9, Name: "fchownat", Path: "/etc/passwd", Args: [3]int64{unix.AT_FDCWD, 0, 0}},
		{Kind: bpftrace.Call, Pid: 9, Name: "ftruncate", Args: [3]int64{3, 0}, FD: shadow},
		{Kind: bpftrace.Call, Pid: 9, Name: "clone", Args: [3]int64{unix.CLONE_UNTRACED | int64(unix.SIGCHLD)}, Ret: -int64(unix.EPERM), RetKnown: true},
		{Kind: bpftrace.Call, Pid: 9, Name: "clone3", Args: [3]int64{0x7ffd, 88, unix.CLONE_UNTRACED | unix.CLONE_NEWTIME | 1<<40}, Ret: -int64(unix.ENOSYS), RetKnown: true},
		{Kind: bpftrace.Uring, Pid: 9, Name: "io_uring_sqe", Path: "/etc/shadow", Args: [3]int64{18, unix.AT_FDCWD}},
		{Kind: bpftrace.Uring, Pid: 9, Name: "io_uring_sqe", Args: [3]int64{22, 5}, FD: shadow},
		{Kind: bpftrace.Uring, Pid: 9, Name: "io_uring_sqe", Args: [3]int64{18, 5}, Ret: 5, RetKnown: true, RetPath: "/etc/shadow"},
		{Kind: bpftrace.Exec, Pid: 9, Path: "/bin/sh", Argv: []string{"sh"}, RetPath: "/usr/bin/dash"},
	}
	want := []string{
		`open("/home/x/notes", O_RDONLY) = 3 <- /etc/shadow`,
		`open("/etc/shadow", O_RDONLY) = -1 EACCES i386`,
		`creat("/etc/shadow", 0644) = -1 EACCES`,
		`openat2(AT_FDCWD, "/etc/shadow", {flags=O_RDONLY, resolve=0}, 24) = 4 <- /etc/shadow`,
		`execve("/tmp/x", ["/tmp/x"], 0x0 /* 0 vars */) = -1 ENOEXEC`,
		`sendto(3, 0x1000, 5, 0, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("127.0.0.1")}, 16) = ?`,
		`mkdir("/tmp/d", 0755) = ?`,
		`mknod("/tmp/p", S_IFIFO|0644, 0) = ?`,
		`fchownat(AT_FDCWD, "/etc/passwd", 0, 0, 0) = ?`,
		`ftruncate(3</etc/shadow>, 0) = ?`,
		`clone(child_stack=NULL, flags=CLONE_UNTRACED|SIGCHLD) = -1 EPERM`,
		`clone3({flags=CLONE_NEWTIME|CLONE_UNTRACED|0x10000000000}, 88) = -1 ENOSYS`,
		`io_uring_sqe(IORING_OP_OPENAT, AT_FDCWD, "/etc/shadow") = ?`,
		`io_uring_sqe(IORING_OP_READ, 5</etc/shadow>) = ?`,
		`io_uring_cqe(IORING_OP_OPENAT) = 5 <- /etc/shadow`,
		`execve("/bin/sh", ["sh"], 0x0 /* 0 vars */) = 0 <- /usr/bin/dash`,
	}
	var got []string
	for _, ev := range events {
		c.Events(ev, time.Second, func(e *trace.Event) {
			if e.Kind != trace.EventCall {
				return
			}
			k := e.Call
			s := k.Name + "(" + k.Args() + ") = "
			switch {
			case !k.RetKnown:
				s += "?"
			case k.Errno != "":
				s += "-1 " + k.Errno
			default:
				s += strconv.FormatInt(k.Ret, 10)
			}
			if k.RetPath != "" {
				s += " <- " + k.RetPath
			}
			if k.Compat {
				s += " i386"
			}
			got = append(got, s)
		})
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Every call a default rule reads is described by the eBPF tracer: sent
// with its arguments (SampleCalls, or as exec and fork events) and
// written by the converter in the notation the rules read, so a new rule
// cannot silently miss under eBPF.
func TestDefaultRulesDescribed(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	sample := map[string]bool{}
	for _, n := range SampleCalls {
		sample[n] = true
	}
	// Told by other events: a successful exec by its exec event, a new
	// process by its fork event.
	events := map[string]bool{"clone": true, "clone3": true, "fork": true, "vfork": true}
	names := map[string]bool{}
	for _, r := range set.Rules() {
		for _, n := range r.Syscalls {
			if n != "*" { // a rule on every call: each is counted and, if described, sent
				names[n] = true
			}
		}
	}
	if len(names) < 40 {
		t.Fatalf("the default rules name %d calls: %v", len(names), names)
	}
	c := New()
	for n := range names {
		if events[n] {
			continue
		}
		if !sample[n] {
			t.Errorf("%s: a default rule reads it; not in SampleCalls", n)
			continue
		}
		if !bpftrace.Describes(n) {
			t.Errorf("%s: the kernel side does not describe it", n)
			continue
		}
		ev := bpftrace.Event{Kind: bpftrace.Call, Pid: 1, Name: n, Path: "/x", Path2: "/y", Args: [3]int64{3, 0, 0},
			Ret: -1, RetKnown: true, Addr: []byte{2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}}
		if n == bpftrace.UringCall {
			ev.Kind, ev.Args[0], ev.RetKnown = bpftrace.Uring, 22, false // IORING_OP_READ, as submitted
		}
		var got *trace.Call
		c.Events(ev, time.Second, func(e *trace.Event) { got = e.Call })
		if got == nil || got.Name != n {
			t.Errorf("%s: the converter writes no call", n)
			continue
		}
		switch n {
		case "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load",
			"io_uring_setup", "io_uring_enter", "io_uring_register":
			continue // their name is what the rules read
		}
		if got.Args() == "" {
			t.Errorf("%s: written without arguments", n)
		}
	}
}

// capset is written as strace 6.1 -yy -v writes it (each want line copied
// from its output for the same call on this project's machine): the
// version by name, each half of a set on its own, bits it cannot name in
// hex; what could not be read, as the pointer.
func TestCapsetText(t *testing.T) {
	v3, v1 := uint32(0x20080522), uint32(0x19980330)
	all := uint64(1)<<41 - 1
	for _, c := range []struct {
		cap  *bpftrace.CapData
		want string
	}{
		{&bpftrace.CapData{Version: v3, Sets: true}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=0, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Sets: true, Effective: 1 << 13, Permitted: 1 << 13}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_NET_RAW, permitted=1<<CAP_NET_RAW, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Sets: true, Effective: 1 << 39}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_BPF, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Sets: true, Effective: 1 << 41}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=0x200 /* CAP_??? */, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Sets: true, Effective: 3 << 40}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHECKPOINT_RESTORE|0x200, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Sets: true, Effective: 1<<32 | 1}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|1<<CAP_MAC_OVERRIDE, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Sets: true, Effective: 1, Permitted: 3, Inheritable: 1 << 40}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN, permitted=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE, inheritable=1<<CAP_CHECKPOINT_RESTORE}"},
		{&bpftrace.CapData{Version: v1, Sets: true, Effective: 1}, "{version=_LINUX_CAPABILITY_VERSION_1, pid=0}, {effective=1<<CAP_CHOWN, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: 0x20071026, Sets: true}, "{version=_LINUX_CAPABILITY_VERSION_2, pid=0}, {effective=0, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: 0x1234, Sets: true, Effective: 1}, "{version=0x1234 /* _LINUX_CAPABILITY_VERSION_??? */, pid=0}, {effective=1<<CAP_CHOWN, permitted=0, inheritable=0}"},
		{&bpftrace.CapData{Version: v3, Pid: 42}, "{version=_LINUX_CAPABILITY_VERSION_3, pid=42}, 0x2000"},
		{nil, "0x1000, 0x2000"},
	} {
		got := capsetText(bpftrace.Event{Name: "capset", Args: [3]int64{0x1000, 0x2000}, Cap: c.cap})
		if got != c.want {
			t.Errorf("capset(%+v):\n got %s\nwant %s", c.cap, got, c.want)
		}
	}
	full := capsetText(bpftrace.Event{Cap: &bpftrace.CapData{Version: v3, Sets: true, Effective: all}})
	if !strings.HasPrefix(full, "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|1<<CAP_DAC_OVERRIDE|") ||
		!strings.Contains(full, "|1<<CAP_BPF|1<<CAP_CHECKPOINT_RESTORE, permitted=0") {
		t.Errorf("every capability: %s", full)
	}
}

// FuzzEnvText: whatever variables a program's environment holds, the
// envp written is one argument of strace's notation whose elements read
// back as the variables.
func FuzzEnvText(f *testing.F) {
	f.Add("LD_PRELOAD=/tmp/x.so", "HISTFILE=/dev/null", uint32(0), 5)
	f.Add("HISTSIZE=\"0\"\\", "\x00\xff, ]", uint32(3), 2)
	f.Fuzz(func(t *testing.T, a, b string, cut uint32, count int) {
		ev := bpftrace.Event{Env: []string{a, b}, EnvCut: cut, EnvCount: count}
		env := envText(ev)
		c := trace.NewCall(1, "execve", `"/x", ["x"], `+env, 0, true, "")
		if c.Arg(2) != env || c.Arg(3) != "" {
			t.Fatalf("%q splits into %q, %q", env, c.Arg(2), c.Arg(3))
		}
		got, _ := array(env)
		if len(got) != 2 || got[0] != a || got[1] != b {
			t.Fatalf("%q reads back as %q", env, got)
		}
	})
}
