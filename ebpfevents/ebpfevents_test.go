package ebpfevents

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

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
