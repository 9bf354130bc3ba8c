package rules_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"detector/rules"
)

// wideSet has n rules on openat, rule i hitting an open of /w/i (a glob,
// remembered per path by the engine) and, when impure, only in cat.
func wideSet(t *testing.T, n int) *rules.Set {
	t.Helper()
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: r%d\n    severity: INFO\n    description: d\n    syscalls: [openat]\n", i)
		if i%3 == 2 {
			fmt.Fprintf(&b, "    condition: {all: [{proc.name: cat}, {path: {glob: \"/w/%d\"}}]}\n", i)
		} else {
			fmt.Fprintf(&b, "    condition: {path: {glob: \"/w/%d\"}}\n", i)
		}
	}
	set := rules.NewSet()
	if err := set.Load("wide.yaml", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	return set
}

// A call name with more rules, and a set with more costly matchers, than
// one 64-bit word holds: every rule still hits each time its path comes,
// whatever the quiet cache and the matchers' memo remember of the texts
// seen before, and the findings are those of judging every call in full.
func TestQuietCacheManyRules(t *testing.T) {
	const n = 150
	set := wideSet(t, n)
	var text strings.Builder
	text.WriteString("100 1.0 execve(\"/usr/bin/ls\", [\"ls\"], []) = 0\n")
	text.WriteString("101 1.0 execve(\"/usr/bin/cat\", [\"cat\"], []) = 0\n")
	for round := range 3 {
		for i := n - 1; i >= 0; i-- {
			for _, pid := range []int{100, 101} {
				fmt.Fprintf(&text, "%d 1.%d openat(AT_FDCWD</>, \"/w/%d\", O_RDONLY) = 3</w/%d>\n", pid, round+1, i, i)
				fmt.Fprintf(&text, "%d 1.%d openat(AT_FDCWD</>, \"/v/%d\", O_RDONLY) = 3</v/%d>\n", pid, round+1, i, i)
			}
		}
	}
	e, full := set.NewEngine(rules.Options{}), set.NewEngine(rules.Options{})
	full.NoQuiet()
	parseInto(t, e, text.String())
	parseInto(t, full, text.String())
	got := e.Findings()
	if len(got) != n {
		t.Fatalf("%d findings, want %d", len(got), n)
	}
	for _, f := range got {
		var i int
		fmt.Sscanf(f.Rule, "r%d", &i)
		want := 6 // ls and cat, three rounds
		if i%3 == 2 {
			want = 3 // cat only
		}
		if f.Count != want {
			t.Errorf("rule %s hit %d times, want %d", f.Rule, f.Count, want)
		}
	}
	if want := full.Findings(); !reflect.DeepEqual(got, want) {
		t.Errorf("findings with the quiet cache differ from those without")
	}
	if e.QuietKeys() == 0 {
		t.Errorf("no call remembered as quiet")
	}
}

// A rule that names the process before the path is judged path first: an
// open whose path rules it out is remembered as quiet (the process was
// never read), while the same rule still hits in the process it names.
func TestPureConditionsFirst(t *testing.T) {
	set := rules.NewSet()
	const file = `
rules:
  - id: cat-reads-x
    severity: WARNING
    description: d
    syscalls: [openat]
    condition:
      all:
        - proc.name: cat
        - path: /etc/x
`
	if err := set.Load("t.yaml", []byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	const text = `100 1.0 execve("/usr/bin/ls", ["ls"], []) = 0
100 1.1 openat(AT_FDCWD</>, "/etc/y", O_RDONLY) = 3</etc/y>
100 1.2 openat(AT_FDCWD</>, "/etc/y", O_RDONLY) = 3</etc/y>
100 1.3 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1.4 execve("/usr/bin/cat", ["cat"], []) = 0
101 1.5 openat(AT_FDCWD</>, "/etc/y", O_RDONLY) = 3</etc/y>
101 1.6 openat(AT_FDCWD</>, "/etc/x", O_RDONLY) = 3</etc/x>
100 1.7 openat(AT_FDCWD</>, "/etc/x", O_RDONLY) = 3</etc/x>
`
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, text)
	if got := e.QuietKeys(); got != 1 {
		t.Errorf("%d quiet keys, want 1 (the open of /etc/y)", got)
	}
	fs := e.Findings()
	if len(fs) != 1 || fs[0].Count != 1 || fs[0].Process.PID != 101 {
		t.Fatalf("findings %+v, want one hit by pid 101", fs)
	}
}

// Matchers asking the same (operator and values) in several rules share
// one remembered answer per value, and each rule still hits on its own.
func TestSharedMatcherMemo(t *testing.T) {
	set := rules.NewSet()
	const file = `
lists:
  keys: ["*/.ssh/id_*", "*/.gnupg/*"]
rules:
  - id: opens-key
    severity: WARNING
    description: d
    syscalls: [openat]
    condition: {path: {glob: "@keys"}}
  - id: stats-key
    severity: INFO
    description: d
    syscalls: [newfstatat]
    condition: {path: {glob: ["*/.ssh/id_*", "*/.gnupg/*"]}}
  - id: opens-other
    severity: INFO
    description: d
    syscalls: [openat]
    condition: {path: {glob: ["*/.ssh/id_*"]}}
`
	if err := set.Load("t.yaml", []byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	if got := set.Memos(); got != 2 {
		t.Errorf("%d remembered matchers, want 2 (the two lists)", got)
	}
	const text = `100 1.0 newfstatat(AT_FDCWD</h>, "/h/.gnupg/k", 0x7ffc, 0) = 0
100 1.1 openat(AT_FDCWD</h>, "/h/.gnupg/k", O_RDONLY) = 3</h/.gnupg/k>
100 1.2 openat(AT_FDCWD</h>, "/h/.ssh/id_rsa", O_RDONLY) = 3</h/.ssh/id_rsa>
100 1.3 newfstatat(AT_FDCWD</h>, "/h/.ssh/id_rsa", 0x7ffc, 0) = 0
`
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, text)
	got := map[string]int{}
	for _, f := range e.Findings() {
		got[f.Rule] = f.Count
	}
	if want := map[string]int{"opens-key": 2, "stats-key": 2, "opens-other": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("hits %v, want %v", got, want)
	}
}
