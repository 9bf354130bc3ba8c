package rules

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The default rules use, of read-only opens, only a few files and folders
// (the shadow files, /proc, input devices, pseudo-terminals) and the
// hidden files of home folders (credential stores): never every open.
func TestOpenInterestDefault(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	prefixes, exact, dot, all := s.OpenInterest()
	if all || !dot || !slices.Contains(exact, "/etc/shadow") || !slices.Contains(exact, "/etc/gshadow") {
		t.Fatalf("prefixes %q exact %q dot %v all %v", prefixes, exact, dot, all)
	}
}

func loadYAML(t *testing.T, text string) *Set {
	t.Helper()
	f := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadFiles([]string{f})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A rule on opens whose condition does not restrict the path needs every
// open; one on a path prefix, a glob or a write needs only those (beside
// the default rules', which rule files add to).
func TestOpenInterestRules(t *testing.T) {
	d, _ := Default()
	dprefixes, dexact, _, _ := d.OpenInterest()
	for _, c := range []struct {
		cond     string
		prefixes []string
		exact    []string
		dot, all bool
	}{
		{`{proc.exe: /usr/bin/cat}`, nil, nil, false, true},
		{`{not: {path: /etc/passwd}}`, nil, nil, false, true},
		{`{path: {regex: "^/etc/"}}`, nil, nil, false, true},
		{`{path: {glob: "*/secret"}}`, nil, nil, false, true},
		{`{path: {prefix: /srv/data/}}`, []string{"/srv/data/"}, nil, false, false},
		{`{path: {glob: "/etc/cron*/x"}}`, []string{"/etc/cron"}, nil, false, false},
		{`{path: {glob: "*/.aws/x"}}`, nil, nil, true, false},
		{`{all: [{proc.exe: /usr/bin/cat}, {path: /etc/motd}]}`, nil, []string{"/etc/motd"}, false, false},
		{`{any: [{path: /etc/a}, {path: {prefix: /var/b/}}]}`, []string{"/var/b/"}, []string{"/etc/a"}, false, false},
		{`{flags: [O_WRONLY, O_RDWR]}`, nil, nil, false, false},
	} {
		s := loadYAML(t, "rules:\n  - id: t\n    severity: WARNING\n    description: d\n    syscalls: [openat]\n    condition: "+c.cond+"\n    output: o\n")
		prefixes, exact, dot, all := s.OpenInterest()
		if !c.all {
			c.prefixes = append(slices.Clone(dprefixes), c.prefixes...)
			c.exact = append(slices.Clone(dexact), c.exact...)
			c.dot = true
		}
		if !slices.Equal(prefixes, c.prefixes) || !slices.Equal(exact, c.exact) || dot != c.dot || all != c.all {
			t.Errorf("%s: prefixes %q exact %q dot %v all %v", c.cond, prefixes, exact, dot, all)
		}
	}
}
