package rules_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"detector/rules"
	"detector/trace"
)

// FuzzLoad feeds arbitrary rule files to the loader: it must return a
// rule set or an error naming the file, never panic, and a set that
// compiles must run its examples and any input without panicking.
func FuzzLoad(f *testing.F) {
	f.Add(string(rules.DefaultYAML()))
	f.Add("rules:\n  - id: x\n    severity: INFO\n    description: d\n    syscalls: [open]\n    condition: {path: {glob: \"[\"}}\n")
	f.Add("lists: {a: [x]}\nmacros: {m: {path: \"@a\"}}\nrules:\n  - id: x\n    severity: ALERT\n    description: d\n    syscalls: [openat]\n    condition: {all: [{macro: m}, {not: {ret: {lt: 0}}}]}\n    window: {count: 2, within: 1s, distinct: path}\n    output: \"%path %ret\"\n")
	f.Add("rules:\n  - &a {id: x}\n  - *a\n")
	f.Add("macros:\n  a: {macro: a}\n")
	f.Add("rules:\n  - id: x\n    severity: INFO\n    description: d\n    tags: [T1021.004, T9999]\n    tactics: [lateral-movement, impact]\n    syscalls: [open]\n    condition: {path: /x}\n  - id: x\n    tactics: []\n")
	// A script's interpreter read from its first line; pipes paired.
	f.Add("1 1.0 execve(\"/tmp/t.sh\", [\"/tmp/t.sh\"], []) = 0\n1 1.1 read(3</tmp/t.sh>, \"#!/bin/bash\\nx\", 80) = 13\n1 1.2 connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"10.0.0.1\")}, 16) = 0\n1 1.3 read(3</tmp/t.sh>, \"#!\", 80) = 2\n")
	f.Add("1 1.0 dup2(5<pipe:[9]>, 1) = 1\n1 1.1 execve(\"/usr/bin/base64\", [\"base64\", \"-d\"], []) = 0\n2 1.2 dup2(4<pipe:[9]>, 0) = 0\n2 1.3 execve(\"/bin/sh\", [\"sh\"], []) = 0\n2 1.4 close(0) = 0\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<16 {
			return
		}
		s := rules.NewSet()
		err := s.Load("fuzz.yaml", []byte(text))
		if err == nil {
			err = s.Compile()
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		s.CheckExamples()
		s.Coverage()
		s.AttackProblems()
		e := s.NewEngine(rules.Options{})
		trace.ParseEvents(strings.NewReader("1 1.0 openat(AT_FDCWD</>, \"/etc/x\", O_RDONLY) = 3\n1 1.1 execve(\"/bin/sh\", [\"sh\"], []) = 0\n"), e.Event)
		e.Findings()
	})
}

// FuzzEngine feeds arbitrary strace text through the default rules: no
// panic, and findings keep their bounds.
func FuzzEngine(f *testing.F) {
	set, err := rules.Default()
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range set.Active() {
		for _, ex := range append(r.Examples.Match, r.Examples.NoMatch...) {
			f.Add(ex.Text)
		}
	}
	f.Add("1 1.0 dup2(3<TCP:[1.2.3.4:5->6.7.8.9:10]>, 0<x>) = 0\n1 1.1 clone(child_stack=NULL, flags=SIGCHLD) = 2\n2 1.2 execve(\"sh\", [\"sh\", \"-i\"], []) = 0\n2 1.3 unlinkat(AT_FDCWD<>, \"\", 0) = 0\n")
	f.Add("1 1.0 connect(3, {sa_family=AF_INET6, sin6_port=htons(99999), inet_pton(AF_INET6, \"::ffff:1.2.3.4\", &sin6_addr)}, 28) = 0\n1 +++ exited with 0 +++\n")
	f.Add("1 1.0 sendmsg(3, {msg_name={sa_family=AF_UNIX, sun_path=@\"x\"}, msg_namelen=5}, 0) = 1\n")
	f.Add(strings.Repeat("1 1.0 newfstatat(3</etc/passwd>, \"\", {st_size=1}, AT_EMPTY_PATH) = 0\n1 1.1 newfstatat(AT_FDCWD</root>, \".ssh/id_rsa\", {st_size=2}, 0) = 0\n", 3))
	// Path resolution: links made, moved and removed between identical
	// calls, chroot, /proc magic, .. and a link loop.
	f.Add("1 openat(AT_FDCWD</h>, \"/h/n\", O_RDONLY) = -1 ENOENT (x)\n1 symlink(\"/etc/shadow\", \"/h/n\") = 0\n1 openat(AT_FDCWD</h>, \"/h/n\", O_RDONLY) = -1 EACCES (x)\n1 rename(\"/h/n\", \"/h/m\") = 0\n1 openat(AT_FDCWD</h>, \"/h/n\", O_RDONLY) = -1 ENOENT (x)\n1 unlink(\"/h/m\") = 0\n")
	f.Add("1 chdir(\"/etc\") = 0\n1 open(\"shadow\", O_RDONLY) = -1 EACCES (x)\n1 clone(child_stack=NULL, flags=SIGCHLD) = 2\n2 chroot(\"/srv\") = 0\n2 open(\"/proc/self/root/../etc/shadow\", O_RDONLY) = -1 EACCES (x)\n1 open(\"/proc/self/root/../etc/shadow\", O_RDONLY) = -1 EACCES (x)\n")
	f.Add("1 symlink(\"b\", \"/t/a\") = 0\n1 symlink(\"a\", \"/t/b\") = 0\n1 creat(\"/t/a\", 0644) = -1 ELOOP (x)\n1 [   5] open(\"/etc/shadow\", O_RDONLY) = -1 ENOSYS (x)\n1 [   2] open(\"/etc/shadow\", O_RDONLY) = -1 EACCES (x)\n")
	f.Fuzz(func(t *testing.T, text string) {
		e := set.NewEngine(rules.Options{})
		trace.ParseEvents(strings.NewReader(text), e.Event)
		// The caches that spare work change no finding.
		full := set.NewEngine(rules.Options{})
		full.NoQuiet()
		trace.ParseEvents(strings.NewReader(text), full.Event)
		if got, want := e.Findings(), full.Findings(); !reflect.DeepEqual(got, want) {
			t.Fatalf("findings with the quiet cache:\n%+v\nwithout:\n%+v", got, want)
		}
		for _, fd := range e.Findings() {
			if fd.Count < 1 || len(fd.Evidence) > rules.MaxEvidence+2 || len(fd.Evidence) > fd.Count {
				t.Fatalf("finding out of bounds: %+v", fd)
			}
			for _, ev := range fd.Evidence {
				if len(ev.Syscall) > 2*rules.MaxEvidenceBytes+64 || len(ev.Path) > rules.MaxEvidenceBytes+3 || len(ev.AsGiven) > rules.MaxEvidenceBytes+3 {
					t.Fatalf("evidence line of %d bytes, path %d, as given %d", len(ev.Syscall), len(ev.Path), len(ev.AsGiven))
				}
			}
		}
	})
}

// On every recorded trace, the engine finds exactly what it finds when it
// judges every call in full.
func TestQuietCacheChangesNothing(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/traces/*/*")
	if len(files) == 0 {
		t.Fatal("no recorded traces")
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, full := set.NewEngine(rules.Options{}), set.NewEngine(rules.Options{})
		full.NoQuiet()
		trace.ParseEvents(bytes.NewReader(text), e.Event)
		trace.ParseEvents(bytes.NewReader(text), full.Event)
		if got, want := e.Findings(), full.Findings(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: findings with the quiet cache %+v, without %+v", f, got, want)
		}
	}
}

// FuzzPackageDB: any package lists and digests load without panic, and
// every absolute path a list names is owned.
func FuzzPackageDB(f *testing.F) {
	f.Add([]byte("/usr\n/usr/bin\n/usr/bin/x\n"), []byte("d41d8cd98f00b204e9800998ecf8427e  usr/bin/x\n"))
	f.Add([]byte("/a\r\n\n\x00/b"), []byte("zz  a\n0123456789abcdef0123456789abcdef   a\n"))
	f.Fuzz(func(t *testing.T, list, sums []byte) {
		dir := t.TempDir()
		if os.WriteFile(filepath.Join(dir, "p.list"), list, 0o644) != nil || os.WriteFile(filepath.Join(dir, "p.md5sums"), sums, 0o644) != nil {
			t.Skip()
		}
		db := rules.NewPackageDB(dir)
		for _, line := range strings.Split(string(list), "\n") {
			if strings.HasPrefix(line, "/") && len(line) < 1000 {
				if unowned, _ := db.Check(line); unowned {
					t.Fatalf("%q is listed but unowned", line)
				}
			}
		}
		db.Check("/nonexistent/detector-fuzz")
	})
}

// TestQuietCacheImpure: a call whose judging read the process (here its
// name, once the path matched) is not remembered as quiet, so the same
// text from another process is judged again; a call judged by its text
// alone is remembered, and its name's other calls still are.
func TestQuietCacheImpure(t *testing.T) {
	set := rules.NewSet()
	const file = `
rules:
  - id: pty-by-python
    severity: WARNING
    description: python opens a pseudo-terminal
    tags: [T1059.006]
    syscalls: [openat]
    condition:
      all:
        - path: /dev/ptmx
        - proc.name: python3
`
	if err := set.Load("t.yaml", []byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	const text = `100 1.0 execve("/usr/bin/script", ["script"], []) = 0
100 1.1 openat(AT_FDCWD</>, "/etc/passwd", O_RDONLY) = 3</etc/passwd>
100 1.2 openat(AT_FDCWD</>, "/dev/ptmx", O_RDONLY) = 3</dev/ptmx>
100 1.3 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1.4 execve("/usr/bin/python3", ["python3"], []) = 0
101 1.5 openat(AT_FDCWD</>, "/etc/passwd", O_RDONLY) = 3</etc/passwd>
101 1.6 openat(AT_FDCWD</>, "/dev/ptmx", O_RDONLY) = 3</dev/ptmx>
`
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, text)
	fs := e.Findings()
	if len(fs) != 1 || fs[0].Rule != "pty-by-python" || fs[0].Count != 1 || fs[0].Process.PID != 101 {
		t.Fatalf("findings %+v, want one pty-by-python of pid 101", fs)
	}

	// A macro's answer remembered from one rule makes another rule that
	// reads it impure as well: the second rule here never reads the
	// process itself.
	set = rules.NewSet()
	const macros = `
macros:
  py: {proc.name: python3}
rules:
  - id: first
    severity: INFO
    description: first
    tags: [T1059.006]
    syscalls: [openat]
    condition: {all: [{macro: py}, {path: /nothing}]}
  - id: second
    severity: WARNING
    description: second
    tags: [T1059.006]
    syscalls: [openat]
    condition: {all: [{macro: py}, {path: /dev/ptmx}]}
  - id: third
    severity: WARNING
    description: third
    tags: [T1059.006]
    syscalls: [openat]
    condition: {path: /etc/shadow}
`
	if err := set.Load("m.yaml", []byte(macros)); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	e = set.NewEngine(rules.Options{})
	parseInto(t, e, text)
	fs = e.Findings()
	if len(fs) != 1 || fs[0].Rule != "second" || fs[0].Count != 1 || fs[0].Process.PID != 101 {
		t.Fatalf("findings %+v, want one of rule second, pid 101", fs)
	}
}

// TestQuietImpureFields: a rule that reads the process's state (proc.name)
// on opens does not make the quiet cache skip a later open of the same text
// by another program, while an open whose path alone rules it out is still
// skipped with the same answer.
func TestQuietImpureFields(t *testing.T) {
	f := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(f, []byte(`rules:
  - id: cat-reads-x
    severity: WARNING
    description: d
    syscalls: [openat]
    condition:
      all:
        - path: /etc/x
        - proc.name: cat
    output: o
`), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := rules.LoadFiles([]string{"off", f})
	if err != nil {
		t.Fatal(err)
	}
	text := `100 1700000000.000100 execve("/usr/bin/ls", ["ls"], []) = 0
100 1700000000.000200 openat(AT_FDCWD</>, "/etc/x", O_RDONLY) = 3</etc/x>
100 1700000000.000300 openat(AT_FDCWD</>, "/etc/y", O_RDONLY) = 3</etc/y>
100 1700000000.000400 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1700000000.000500 execve("/usr/bin/cat", ["cat"], []) = 0
101 1700000000.000600 openat(AT_FDCWD</>, "/etc/y", O_RDONLY) = 3</etc/y>
101 1700000000.000700 openat(AT_FDCWD</>, "/etc/x", O_RDONLY) = 3</etc/x>
`
	e, full := set.NewEngine(rules.Options{}), set.NewEngine(rules.Options{})
	full.NoQuiet()
	parseInto(t, e, text)
	parseInto(t, full, text)
	got, want := e.Findings(), full.Findings()
	if len(got) != 1 || got[0].Rule != "cat-reads-x" || got[0].Count != 1 {
		t.Fatalf("findings %+v, want one hit of cat-reads-x", got)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings with the quiet cache %+v, without %+v", got, want)
	}
}
