package bpftrace

import (
	"strings"
	"testing"
)

// pathText puts a walked path together from its names, last first; a cut
// walk, or a length the buffer does not hold, is no path.
func TestPathText(t *testing.T) {
	buf := func(s string) []byte { return append([]byte(s), make([]byte, 256-len(s))...) }
	for _, tc := range []struct {
		raw  string
		n    uint32
		info uint32
		want string
	}{
		{"shadow\x00etc\x00", 11, 0, "/etc/shadow"},
		{"", 0, 0, "/"},
		{"null\x00dev\x00", 9, 0, "/dev/null"},
		{"[eventfd]\x00", 10, infoTop, "anon_inode:[eventfd]"},
		{"x\x00y\x00", 4, infoTop, "[y/x]"},
		{"shadow\x00etc\x00", 11, infoCut, ""},
		{"shadow\x00etc\x00", 300, 0, ""}, // longer than the buffer: hostile
		{"shadow", 6, 0, "/shadow"},       // no NUL at the end
	} {
		if got := pathText(buf(tc.raw), tc.n, tc.info); got != tc.want {
			t.Errorf("pathText(%q, %d, %#x) = %q, want %q", tc.raw, tc.n, tc.info, got, tc.want)
		}
	}
}

// FuzzPathText: whatever the kernel side sends, pathText never panics,
// and a path it gives is absolute or bracketed.
func FuzzPathText(f *testing.F) {
	// As captured from the tracer: /etc/shadow, /dev/null, an eventfd.
	f.Add([]byte("shadow\x00etc\x00"), uint32(11), uint32(infoRetPath))
	f.Add([]byte("null\x00dev\x00"), uint32(9), uint32(infoFDPath))
	f.Add([]byte("[eventfd]\x00"), uint32(10), uint32(infoFDPath|infoTop))
	f.Fuzz(func(t *testing.T, raw []byte, n, info uint32) {
		b := make([]byte, 256)
		copy(b, raw)
		p := pathText(b, n, info)
		if p != "" && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "[") && !strings.HasPrefix(p, "anon_inode:[") {
			t.Fatalf("pathText(%q, %d, %#x) = %q", raw, n, info, p)
		}
	})
}
