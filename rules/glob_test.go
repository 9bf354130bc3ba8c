package rules

import (
	"path"
	"testing"
)

// TestGlob checks the glob matcher, literal prefilters included, against
// path.Match on patterns without '*' crossing '/' and on hand-made cases.
func TestGlob(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*/.ssh/id_*", "/home/u/.ssh/id_rsa", true},
		{"*/.ssh/id_*", "/home/u/.ssh/known_hosts", false},
		{"*/.ssh/id_*", "/.ssh/id_", true},
		{"/etc/cron*", "/etc/cron.d/x", true},
		{"/etc/cron*", "/etc/crontab", true},
		{"/etc/cron*", "/etc/cro", false},
		{"*/etc/cron.d/*", "/etc/cron.d/job", true},
		{"*/etc/cron.d/*", "/tmp/w/fakeroot/etc/cron.d/0update", true},
		{"*/etc/cron.d/*", "/etc/cron.daily/x", false},
		{"*/wtmp", "/var/log/wtmp", true},
		{"*/wtmp", "/var/log/wtmp.1", false},
		{"*/wtmp.*", "/var/log/wtmp.1", true},
		{"*/.mozilla/firefox/*/logins.json", "/h/.mozilla/firefox/ab.default/logins.json", true},
		{"*/.mozilla/firefox/*/logins.json", "/h/.mozilla/firefox/logins.json", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"[ab]x", "bx", true},
		{"[^ab]x", "bx", false},
		{"[a-c]*z", "cz", true},
		{`\*x`, "*x", true},
		{`\*x`, "ax", false},
		{"x*", "x", true},
		{"*", "", true},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, c := range cases {
		g := newGlob(c.pat)
		if !g.valid() {
			t.Fatalf("%q invalid", c.pat)
		}
		if got := g.match(c.s); got != c.want {
			t.Errorf("glob %q on %q: %v, want %v (head %q tail %q lit %q)", c.pat, c.s, got, c.want, g.head, g.tail, g.lit)
		}
		if ok, err := path.Match(c.pat, c.s); err == nil && !containsStar(c.pat) && ok != c.want {
			t.Errorf("path.Match disagrees on %q %q", c.pat, c.s)
		}
	}
	if newGlob("[ab").valid() || newGlob(`x\`).valid() {
		t.Error("malformed globs accepted")
	}
}

func containsStar(p string) bool {
	for i := range len(p) {
		if p[i] == '*' {
			return true
		}
	}
	return false
}
