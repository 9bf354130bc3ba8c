package rules_test

import (
	"errors"
	"strings"
	"testing"

	"detector/rules"
)

// TestDefaultExamples runs every example of the default rules, as
// detector rules check does, and checks every rule has them.
func TestDefaultExamples(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	fails, n := set.CheckExamples()
	for _, f := range fails {
		t.Error(f)
	}
	if n == 0 {
		t.Fatal("no examples ran")
	}
	for _, r := range set.Active() {
		hostDependent := r.ID == "exec-unowned" || r.ID == "exec-modified-package" // see TestPackageRules
		if len(r.Examples.Match) == 0 && !hostDependent || len(r.Examples.NoMatch) == 0 {
			t.Errorf("rule %s lacks match or nomatch examples", r.ID)
		}
		if r.Description == "" || len(r.Tags) == 0 || len(r.FalsePositives) == 0 {
			t.Errorf("rule %s lacks a description, tags or falsepositives", r.ID)
		}
	}
}

// TestExampleFailureNamed shows that a wrong example is reported with its
// rule and place.
func TestExampleFailureNamed(t *testing.T) {
	s := rules.NewSet()
	if err := s.Load(rules.DefaultFile, rules.DefaultYAML()); err != nil {
		t.Fatal(err)
	}
	bad := `rules:
  - id: read-shadow
    examples:
      match:
        - "1 1.0 openat(AT_FDCWD</>, \"/etc/passwd\", O_RDONLY) = 3"
`
	if err := s.Load("extra.yaml", []byte(bad)); err != nil {
		t.Fatal(err)
	}
	if err := s.Compile(); err != nil {
		t.Fatal(err)
	}
	fails, _ := s.CheckExamples()
	if len(fails) != 1 || fails[0].Rule != "read-shadow" || !strings.HasPrefix(fails[0].Error(), "extra.yaml:5: rule read-shadow: match example did not hit") {
		t.Fatalf("failures %v", fails)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"rules:\n  - id: x\n    severity: LOW\n", "f.yaml:3: rule x: severity \"LOW\""},
		{"rules:\n  - id: x\n    bogus: 1\n", "f.yaml:3: rule x: unknown key \"bogus\""},
		{"nope: 1\n", "f.yaml:1: unknown key \"nope\""},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      pth: /x\n", "f.yaml:7: unknown field or operator \"pth\""},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      path: {regex: \"(\"}\n", "f.yaml:7: field path: bad regex"},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      sock.ip: {cidr: 10.0.0.0/33}\n", "f.yaml:7: field sock.ip: bad CIDR"},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      ret: {lt: abc}\n", "f.yaml:7: field ret: \"abc\" is not a number"},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      flags: {is: O_RDONLY}\n", "f.yaml:7: field flags (flags) has no matcher \"is\""},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      macro: nope\n", "f.yaml:7: unknown macro \"nope\""},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      path: \"@nolist\"\n", "f.yaml:7: unknown list \"nolist\""},
		{"macros:\n  a: {macro: b}\n  b: {macro: a}\nrules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition: {macro: a}\n", "refers to itself"},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition: {path: /x}\n    window: {count: 0, within: 1s}\n", "f.yaml:7: rule x: window count"},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition: {path: /x}\n    output: \"%nofield here\"\n", "f.yaml:2: rule x: output: unknown field %nofield"},
		{"rules:\n  - id: x\n    severity: INFO\n", "f.yaml:2: rule x: missing description, syscalls, condition"},
		{"rules:\n  - id: x\n    tags: [T99]\n", "f.yaml:3: rule x: tag \"T99\""},
		{"rules: [\n", "f.yaml:1:"},
		{"rules:\n  - id: Bad_Id\n", "f.yaml:2: bad rule id"},
		{"rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition:\n      path: {glob: \"" + strings.Repeat("*a", 600) + "\"}\n", "f.yaml:7: field path: glob longer than 1024 bytes"},
	}
	for _, c := range cases {
		s := rules.NewSet()
		err := s.Load("f.yaml", []byte(c.text))
		if err == nil {
			err = s.Compile()
		}
		var fe *rules.FileError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &fe) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

func TestOverrideAndDisable(t *testing.T) {
	s := rules.NewSet()
	if err := s.Load(rules.DefaultFile, rules.DefaultYAML()); err != nil {
		t.Fatal(err)
	}
	over := "rules:\n  - id: read-shadow\n    severity: ALERT\n  - id: capset\n    enabled: false\nlists:\n  shadow_files: [/etc/master.passwd]\n"
	if err := s.Load("over.yaml", []byte(over)); err != nil {
		t.Fatal(err)
	}
	if err := s.Compile(); err != nil {
		t.Fatal(err)
	}
	if r := s.Rule("read-shadow"); r.Severity != rules.Alert || r.Description == "" {
		t.Errorf("override: %+v", r)
	}
	for _, r := range s.Active() {
		if r.ID == "capset" {
			t.Error("capset still active")
		}
	}
	n, err := s.RunExample("read-shadow", "1 1.0 openat(AT_FDCWD</>, \"/etc/master.passwd\", O_RDONLY) = 3\n")
	if err != nil || n != 1 {
		t.Errorf("overridden list: %d hits, %v", n, err)
	}
	n, _ = s.RunExample("read-shadow", "1 1.0 openat(AT_FDCWD</>, \"/etc/shadow\", O_RDONLY) = 3\n")
	if n != 0 {
		t.Errorf("list not replaced: %d hits", n)
	}
	n, _ = s.RunExample("capset", "1 1.0 capset({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=0, permitted=0, inheritable=0}) = 0\n")
	if n != 0 {
		t.Errorf("disabled rule hit %d times", n)
	}
}

func TestLoadFilesOff(t *testing.T) {
	s, err := rules.LoadFiles([]string{"off"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Active()) != 0 {
		t.Fatalf("--rules off leaves %d rules", len(s.Active()))
	}
	if _, err := rules.LoadFiles([]string{"/nonexistent/rules.yaml"}); err == nil || !strings.Contains(err.Error(), "read rules /nonexistent/rules.yaml") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := rules.LoadFiles([]string{"/dev/null"}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("device: %v", err)
	}
}

func TestSampleSeverity(t *testing.T) {
	w := func(id string) rules.Finding { return rules.Finding{Rule: id, Severity: rules.Warning} }
	i := rules.Finding{Rule: "i", Severity: rules.Info}
	cases := []struct {
		fs   []rules.Finding
		anom bool
		conf float64
		want rules.Severity
	}{
		{nil, false, 0, rules.None},
		{nil, true, 0.5, rules.Info},
		{nil, true, 0.9, rules.Warning},
		{[]rules.Finding{i}, false, 0, rules.Info},
		{[]rules.Finding{w("a")}, false, 0, rules.Warning},
		// Two WARNING rules make an ALERT through the engine's
		// escalation finding (TestCombinedWarnings), not here; the model
		// is never combined.
		{[]rules.Finding{w("a"), w("b")}, false, 0, rules.Warning},
		{[]rules.Finding{w("a"), w("b"), {Rule: rules.CombinedRule, Severity: rules.Alert}}, false, 0, rules.Alert},
		{[]rules.Finding{w("a")}, true, 0.95, rules.Warning},
		{[]rules.Finding{w("a")}, true, 0.5, rules.Warning},
		{[]rules.Finding{i, i}, true, 0.95, rules.Warning},
		{[]rules.Finding{{Rule: "x", Severity: rules.Alert}}, false, 0, rules.Alert},
	}
	for _, c := range cases {
		if got := rules.SampleSeverity(c.fs, c.anom, c.conf); got != c.want {
			t.Errorf("%v anomalous=%v conf=%v: %s, want %s", c.fs, c.anom, c.conf, got, c.want)
		}
	}
}

// strace -f may print a new child's first calls before its parent's clone
// returns. The clone then makes the child known as the parent's, without
// forgetting what it did: here rm, exec'd before the clone line, deletes
// the running parent's program.
func TestChildBeforeClone(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, `100 1.0 execve("/tmp/.x", ["/tmp/.x"], []) = 0
101 1.1 execve("/usr/bin/rm", ["rm", "-f", "/tmp/.x"], []) = 0
100 1.2 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1.3 unlinkat(AT_FDCWD</tmp>, "/tmp/.x", 0) = 0
`)
	for _, f := range e.Findings() {
		if f.Rule == "self-delete" {
			if f.Process.Exe != "/usr/bin/rm" || f.Process.PPID != 100 {
				t.Errorf("self-delete by %+v, want rm, child of 100", f.Process)
			}
			return
		}
	}
	t.Fatalf("no self-delete: %v", ruleIDs(e.Findings()))
}
