package sandbox

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Programs that try to slip out of the tracer's sight or to reach the tracer
// itself. Each attempt must be refused and must show in the trace.

// TestRunHostileUntracedClone runs a payload in a child made with
// clone(CLONE_UNTRACED), which strace -f would never see, and then calls
// at the tracer (pid 1 of the run). The clone is refused, the program falls
// back to an ordinary child, and the payload is traced.
func TestRunHostileUntracedClone(t *testing.T) {
	sandboxOrSkip(t)
	needPerl(t)
	dir := t.TempDir()
	prog := writeProgram(t, dir, "untraced.pl", fmt.Sprintf(`#!/usr/bin/perl
$ENV{MARK} = "%s";
$| = 1;
# clone(CLONE_UNTRACED|SIGCHLD, NULL, NULL, NULL, 0): a fork hidden from strace -f.
my $pid = syscall(56, 0x00800011, 0, 0, 0, 0);
if ($pid < 0) { print "untraced clone refused: $!\n"; $pid = fork() }
if ($pid == 0) { exec "/bin/sh", "-c", "exec /bin/true hidden-payload-marker"; exit 127 }
waitpid($pid, 0);
sub try { my ($what, $r) = @_; print "$what: ", ($r < 0 ? "refused: $!" : "succeeded"), "\n" }
try("clone3", syscall(435, 0, 0));
try("x32 clone", syscall(0x40000000 + 56, 0x00800011, 0, 0, 0, 0));
try("ptrace seize of the tracer", syscall(101, 0x4206, 1, 0, 0));
try("ptrace seize of the tracer, high bits set", syscall(101, 0x4206, 0x100000001, 0, 0));
try("pidfd_open of the tracer", syscall(434, 1, 0));
try("signal 0 to the tracer", syscall(62, 1, 0));
my $params = "\0" x 120;
try("io_uring_setup", syscall(425, 8, $params));
`, dir))
	res, raw, _ := runHostile(t, RunOptions{Timeout: 20 * time.Second}, dir, prog)
	out := string(res.Stdout)
	for _, want := range []string{
		"untraced clone refused: Operation not permitted\n",
		"clone3: refused: Function not implemented\n",
		"x32 clone: refused: Function not implemented\n",
		"ptrace seize of the tracer: refused: Operation not permitted\n",
		"ptrace seize of the tracer, high bits set: refused: Operation not permitted\n",
		"pidfd_open of the tracer: refused: Operation not permitted\n",
		"signal 0 to the tracer: refused: Operation not permitted\n",
		"io_uring_setup: refused: Function not implemented\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	calls := parseCalls(t, raw)
	if _, ok := findCall(calls, "execve", "hidden-payload-marker", ""); !ok {
		t.Errorf("the payload's execve is not in the trace: it ran out of the tracer's sight")
	}
	for _, want := range []tracedCall{
		{"clone", "CLONE_UNTRACED", "EPERM"},
		{"clone3", "", "ENOSYS"},
		{"ptrace", "PTRACE_SEIZE, 1,", "EPERM"},
		{"pidfd_open", "1, 0", "EPERM"},
		{"kill", "1, 0", "EPERM"},
		{"io_uring_setup", "8,", "ENOSYS"},
	} {
		if _, ok := findCall(calls, want.Name, want.Args, want.Errno); !ok {
			t.Errorf("trace lacks %s(%s...) = %s", want.Name, want.Args, want.Errno)
		}
	}
}

// TestRunHostileUntracedCloneI386 makes the same untraced clone through the
// i386 entry point (int $0x80, where clone is call 120), whose numbers a
// filter of x86-64 numbers would misread.
func TestRunHostileUntracedCloneI386(t *testing.T) {
	sandboxOrSkip(t)
	dir := t.TempDir()
	prog := compileC(t, dir, "clone32", fmt.Sprintf(`#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
	setenv("MARK", "%s", 1);
	long ret;
	/* clone(CLONE_UNTRACED|SIGCHLD, 0, 0, 0, 0) through the i386 ABI. */
	__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(120L), "b"(0x00800011L), "c"(0L), "d"(0L), "S"(0L), "D"(0L) : "memory");
	if (ret == 0) {
		execl("/bin/true", "/bin/true", "hidden-payload-marker", (char *)0);
		_exit(127);
	}
	if (ret > 0) {
		waitpid((int)ret, 0, 0);
		puts("i386 untraced clone succeeded");
		return 0;
	}
	printf("i386 untraced clone refused: %%ld\n", ret);
	return 1;
}
`, dir))
	res, raw, _ := runHostile(t, RunOptions{Timeout: 20 * time.Second}, dir, prog)
	if !strings.Contains(string(res.Stdout), "i386 untraced clone refused: -38\n") { // ENOSYS
		t.Errorf("the i386 clone was not refused with ENOSYS: stdout %q", res.Stdout)
	}
	if strings.Contains(string(raw), "hidden-payload-marker") {
		t.Errorf("the child of the i386 clone ran")
	}
}

// TestRunHostileTracerMemory tries to open strace's memory through /proc:
// the files are covered, empty and read-only, and the attempt is in the
// trace.
func TestRunHostileTracerMemory(t *testing.T) {
	sandboxOrSkip(t)
	needPerl(t)
	dir := t.TempDir()
	prog := writeProgram(t, dir, "mem.pl", fmt.Sprintf(`#!/usr/bin/perl
$ENV{MARK} = "%s";
$| = 1;
for my $f ("/proc/1/mem", "/proc/1/task/1/mem") {
	print open(my $w, "+<", $f) ? "opened $f for writing\n" : "no writing to $f: $!\n";
	print chmod(0666, $f) ? "made $f writable\n" : "no chmod of $f: $!\n";
	if (open(my $r, "<", $f)) {
		seek($r, 0x400000, 0);
		my $n = sysread($r, my $buf, 4096);
		print "read $n bytes of $f\n";
	}
}
`, dir))
	res, raw, _ := runHostile(t, RunOptions{Timeout: 20 * time.Second}, dir, prog)
	out := string(res.Stdout)
	for _, f := range []string{"/proc/1/mem", "/proc/1/task/1/mem"} {
		if !strings.Contains(out, "no writing to "+f+": ") || !strings.Contains(out, "no chmod of "+f+": ") {
			t.Errorf("%s could be opened for writing or made writable: %q", f, out)
		}
		if strings.Contains(out, "read 4096 bytes of "+f) {
			t.Errorf("the program read the tracer's memory through %s", f)
		}
	}
	calls := parseCalls(t, raw)
	if c, ok := findCall(calls, "openat", `"/proc/1/mem", O_RDWR`, ""); !ok || c.Errno == "" {
		t.Errorf("trace lacks the refused open of /proc/1/mem (found %v: %+v)", ok, c)
	}
}

// TestRunNoSandboxUntracedClone: without the sandbox, the filter still
// refuses the untraced clone, so the payload is traced.
func TestRunNoSandboxUntracedClone(t *testing.T) {
	sandboxOrSkip(t)
	needPerl(t)
	dir := t.TempDir()
	prog := writeProgram(t, dir, "untraced.pl", fmt.Sprintf(`#!/usr/bin/perl
$ENV{MARK} = "%s";
my $pid = syscall(56, 0x00800011, 0, 0, 0, 0);
if ($pid < 0) { print "untraced clone refused: $!\n"; $pid = fork() }
if ($pid == 0) { exec "/bin/true", "hidden-payload-marker"; exit 127 }
waitpid($pid, 0);
`, dir))
	res, raw, _ := runHostile(t, RunOptions{Timeout: 20 * time.Second, NoSandbox: true}, dir, prog)
	if !strings.Contains(string(res.Stdout), "untraced clone refused: Operation not permitted\n") {
		t.Errorf("the untraced clone was not refused: stdout %q", res.Stdout)
	}
	if _, ok := findCall(parseCalls(t, raw), "execve", "hidden-payload-marker", ""); !ok {
		t.Errorf("the payload's execve is not in the trace")
	}
}
