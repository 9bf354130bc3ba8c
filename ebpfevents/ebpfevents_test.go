package ebpfevents

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"detector/bpftrace"
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
		{Kind: bpftrace.Call, Pid: 7, Name: "openat", Path: "/etc/shadow", Ret: -int64(unix.EACCES), RetKnown: true},
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
