package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"detector/rules"
)

// probeRules is a set whose one rule reports, for every open and stat,
// the path it judged; the tests read the evidence.
const probeRules = `rules:
  - id: probe
    severity: INFO
    description: every path
    tags: [T0000]
    falsepositives: [all]
    syscalls: [open, openat, openat2, creat, stat, lstat, newfstatat, execve, chmod]
    condition:
      path: {prefix: "/"}
    output: "%path"
`

func probeSet(t testing.TB) *rules.Set {
	t.Helper()
	s := rules.NewSet()
	if err := s.Load("probe.yaml", []byte(probeRules)); err != nil {
		t.Fatal(err)
	}
	if err := s.Compile(); err != nil {
		t.Fatal(err)
	}
	return s
}

// judged returns "path<as_given" (or "path") of each probe hit, in order.
func judged(t *testing.T, s *rules.Set, log string) []string {
	t.Helper()
	var out []string
	e := s.NewEngine(rules.Options{OnHit: func(h rules.Hit) {
		v := h.Evidence.Path
		if h.Evidence.AsGiven != "" {
			v += "<" + h.Evidence.AsGiven
		}
		out = append(out, v)
	}})
	parseInto(t, e, log)
	return out
}

// TestResolvedPaths shows the rules judge the object the kernel resolves a
// path to, keeping the path as spelled beside it.
func TestResolvedPaths(t *testing.T) {
	s := probeSet(t)
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"descriptor", `1 openat(AT_FDCWD</home/x>, "notes", O_RDONLY) = 3</etc/shadow>
`, []string{"/etc/shadow</home/x/notes"}},
		{"symlink made in the trace", `1 symlink("/etc/shadow", "/home/x/notes") = 0
1 openat(AT_FDCWD</home/x>, "/home/x/notes", O_RDONLY) = -1 EACCES (Permission denied)
1 lstat("/home/x/notes", 0x7ffd) = 0
1 openat(AT_FDCWD</home/x>, "/home/x/notes", O_RDONLY|O_NOFOLLOW) = -1 ELOOP (Too many levels of symbolic links)
`, []string{"/etc/shadow</home/x/notes", "/home/x/notes", "/home/x/notes"}},
		{"relative symlink and a symlinked folder", `1 symlinkat("../../etc", AT_FDCWD</home/x>, "e") = 0
1 symlinkat("e/cron.d", AT_FDCWD</home/x>, "/home/x/c") = 0
1 openat(AT_FDCWD</home/x>, "e/cron.d/job", O_WRONLY|O_CREAT, 0644) = -1 EACCES (Permission denied)
1 openat(AT_FDCWD</home/x>, "c/job", O_WRONLY|O_CREAT, 0644) = -1 EACCES (Permission denied)
`, []string{"/etc/cron.d/job</home/x/e/cron.d/job", "/etc/cron.d/job</home/x/c/job"}},
		{"moved and removed links", `1 symlink("/etc/shadow", "/tmp/a") = 0
1 rename("/tmp/a", "/tmp/b") = 0
1 openat(AT_FDCWD</tmp>, "/tmp/a", O_RDONLY) = -1 ENOENT (No such file or directory)
1 openat(AT_FDCWD</tmp>, "/tmp/b", O_RDONLY) = -1 EACCES (Permission denied)
1 unlink("/tmp/b") = 0
1 openat(AT_FDCWD</tmp>, "/tmp/b", O_RDONLY) = -1 ENOENT (No such file or directory)
1 symlink("/etc/shadow", "/tmp/c") = -1 EEXIST (File exists)
1 openat(AT_FDCWD</tmp>, "/tmp/c", O_RDONLY) = -1 ENOENT (No such file or directory)
`, []string{"/tmp/a", "/etc/shadow</tmp/b", "/tmp/b", "/tmp/c"}},
		{"proc magic", `1 chdir("/etc") = 0
1 openat(AT_FDCWD</etc>, "/proc/self/root/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
1 openat(AT_FDCWD</etc>, "/proc/thread-self/cwd/shadow", O_RDONLY) = -1 EACCES (Permission denied)
1 openat(AT_FDCWD</etc>, "/proc/1/root/etc/../etc/./shadow", O_RDONLY) = -1 EACCES (Permission denied)
1 open("shadow", O_RDONLY) = -1 EACCES (Permission denied)
1 open("/proc/self/fd/3", O_RDONLY) = -1 EBADF (Bad file descriptor)
`, []string{"/etc/shadow</proc/self/root/etc/shadow", "/etc/shadow</proc/thread-self/cwd/shadow",
			"/etc/shadow</proc/1/root/etc/shadow", "/etc/shadow", "/proc/1/fd/3</proc/self/fd/3"}},
		{"chroot", `1 chroot("/srv/jail") = 0
1 openat(AT_FDCWD</>, "/etc/shadow", O_RDONLY) = -1 ENOENT (No such file or directory)
1 openat(AT_FDCWD</>, "/../../etc/shadow", O_RDONLY) = -1 ENOENT (No such file or directory)
1 clone(child_stack=NULL, flags=SIGCHLD) = 2
2 openat(AT_FDCWD</>, "/proc/self/root/x", O_RDONLY) = -1 ENOENT (No such file or directory)
`, []string{"/srv/jail/etc/shadow</etc/shadow", "/srv/jail/etc/shadow</etc/shadow", "/srv/jail/x</proc/self/root/x"}},
		{"link loop", `1 symlink("/tmp/b", "/tmp/a") = 0
1 symlink("/tmp/a", "/tmp/b") = 0
1 openat(AT_FDCWD</tmp>, "/tmp/a", O_RDONLY) = -1 ELOOP (Too many levels of symbolic links)
`, []string{"/tmp/a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judged(t, s, tc.log)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("judged paths\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestResolvedPathsBounded feeds a hostile trace: more links than the
// engine keeps, a chain longer than the kernel follows, and paths that
// grow at every link. The engine stays within its bounds and judges what
// it cannot resolve as spelled.
func TestResolvedPathsBounded(t *testing.T) {
	s := probeSet(t)
	var b strings.Builder
	b.WriteString("1 symlink(\"/etc/shadow\", \"/tmp/first\") = 0\n")
	for i := 0; i < rules.MaxTraceLinks+10; i++ {
		fmt.Fprintf(&b, "1 symlink(\"/tmp/l%d\", \"/tmp/l%d\") = 0\n", i+1, i)
	}
	b.WriteString("1 openat(AT_FDCWD</tmp>, \"/tmp/first\", O_RDONLY) = -1 EACCES (Permission denied)\n")
	b.WriteString("1 openat(AT_FDCWD</tmp>, \"/tmp/l100\", O_RDONLY) = -1 ELOOP (Too many levels of symbolic links)\n")
	b.WriteString("1 symlink(\"x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x\", \"/tmp/x\") = 0\n")
	b.WriteString("1 openat(AT_FDCWD</tmp>, \"/tmp/x\", O_RDONLY) = -1 ELOOP (Too many levels of symbolic links)\n")
	got := judged(t, s, b.String())
	// The first link was forgotten (FIFO), the chain is longer than 40
	// links, and x grows without end: all three are judged as spelled.
	want := []string{"/tmp/first", "/tmp/l100", "/tmp/x"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("judged paths %q, want %q", got, want)
	}
}

// TestCompatRule shows compat-syscall fires on any call through the i386
// entry point, named or not by other rules, and on nothing else.
func TestCompatRule(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, `1 [   2] open("/etc/passwd", O_RDONLY) = 3</etc/passwd>
1 [   5] fstat(3</etc/passwd>, {st_mode=S_IFREG|0644, st_size=1, ...}) = 0
1 [  20] getpid() = -1 ENOSYS (Function not implemented)
1 [   5] open("/etc/passwd", O_RDONLY) = -1 ENOSYS (Function not implemented)
1 [   5] open("/etc/passwd", O_RDONLY) = -1 ENOSYS (Function not implemented)
1 [   2] open("/etc/passwd", O_RDONLY) = 3</etc/passwd>
`)
	for _, f := range e.Findings() {
		if f.Rule != "compat-syscall" {
			continue
		}
		if f.Count != 3 || f.Message != "? pid 1 calls the 32-bit getpid (ENOSYS)" {
			t.Errorf("compat-syscall: %d hits, message %q; want 3 and the first call", f.Count, f.Message)
		}
		return
	}
	t.Errorf("no compat-syscall finding: %+v", e.Findings())
}

// TestQuietKeepsObjects: two opens of the same text that opened different
// objects are judged each (the quiet cache keys calls by their object too).
func TestQuietKeepsObjects(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := set.NewEngine(rules.Options{})
	parseInto(t, e, `1 openat(AT_FDCWD</h>, "/proc/self/fd/3", O_RDONLY) = 4</h/notes>
1 openat(AT_FDCWD</h>, "/proc/self/fd/3", O_RDONLY) = 4</etc/shadow>
1 openat(AT_FDCWD</h>, "notes", O_RDONLY) = 5</h/notes>
1 openat(AT_FDCWD</h>, "notes", O_RDONLY) = 5</etc/gshadow>
`)
	for _, f := range e.Findings() {
		if f.Rule == "read-shadow" {
			if f.Count != 2 {
				t.Errorf("read-shadow hit %d times, want 2", f.Count)
			}
			return
		}
	}
	t.Error("no read-shadow finding")
}
