package sandbox

import (
	"detector/trace"

	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"detector/sandbox/internal/initproc"
)

// Hostile programs run in the initproc. Each test checks what the program
// could not do on the host, that its attempts are in the trace, that the run
// ended within its timeout plus a margin (a correctness bound, not a speed
// target) and that no process of the run outlived Run.

// killMargin bounds how long a run may last beyond its timeout.
const killMargin = 5 * time.Second

// tracedCall is the part of a trace.Call the tests look at.
type tracedCall struct {
	Name, Args, Errno string
}

// parseCalls parses raw strace output.
func parseCalls(t *testing.T, raw []byte) []tracedCall {
	t.Helper()
	var calls []tracedCall
	_, err := trace.ParseStrace(bytes.NewReader(raw), func(c *trace.Call) error {
		calls = append(calls, tracedCall{c.Name, c.Args(), c.Errno})
		return nil
	})
	if err != nil {
		t.Fatalf("parse trace: %v", err)
	}
	return calls
}

// findCall returns the first call named name whose arguments contain arg and
// whose errno is errno ("" for any).
func findCall(calls []tracedCall, name, arg, errno string) (tracedCall, bool) {
	for _, c := range calls {
		if c.Name == name && strings.Contains(c.Args, arg) && (errno == "" || c.Errno == errno) {
			return c, true
		}
	}
	return tracedCall{}, false
}

// procsWith lists the processes whose command line or environment contains
// mark.
func procsWith(mark string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), f))
			if bytes.Contains(b, []byte(mark)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// writeProgram writes an executable script into dir.
func writeProgram(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// compileC compiles a C program into dir, skipping the test without gcc.
func compileC(t *testing.T, dir, name, src string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed: cannot build the hostile C program")
	}
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	if out, err := exec.Command(gcc, "-O1", "-o", bin, c).CombinedOutput(); err != nil {
		t.Fatalf("compile %s: %v\n%s", name, err, out)
	}
	return bin
}

func needPerl(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/perl"); err != nil {
		t.Skip("perl not installed")
	}
}

// hostDir creates a world-writable folder whose files, handed to a program
// as arguments, the sandbox shows read-only at their paths (in folders of
// its read-only root): not below /tmp, /var/tmp, /run or /dev (where they
// would land in the sandbox's own writable file systems), and reachable by
// the sandbox's user, so that the files are bound in rather than copied and
// only the sandbox keeps a program from changing them. It tries the working
// folder (the package's, in the repository) first, then a few system
// folders, as a repository cloned below /tmp would not do.
// hostDirEnv names a host folder, writable by the user running the tests,
// for hostDir to use (see TestHostileUnprivileged).
const hostDirEnv = "DETECTOR_TEST_HOSTDIR"

func hostDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	bases := []string{wd, "/var/cache", "/var/lib", "/srv", "/opt"}
	if d := os.Getenv(hostDirEnv); d != "" {
		bases = []string{d} // the unprivileged run: a folder root made for it
	}
	for _, base := range bases {
		if hiddenInSandbox(base) || !reachableByOthers(base) {
			continue
		}
		dir, err := os.MkdirTemp(base, ".detector-hostile-")
		if err != nil {
			continue
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Skip("no folder both writable here and visible inside the sandbox")
	return ""
}

func hiddenInSandbox(path string) bool {
	for _, h := range []string{"/tmp", "/var/tmp", "/run", "/dev"} {
		if path == h || strings.HasPrefix(path, h+"/") {
			return true
		}
	}
	return false
}

// reachableByOthers says whether every folder on path lets any user pass.
func reachableByOthers(path string) bool {
	for p := path; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if p == "/" {
			return true
		}
	}
}

// runHostile runs argv with opts and checks the invariants every run must
// keep: no error, an end within the timeout plus killMargin, and no process
// carrying mark left. watch reports whether a process carrying mark was seen
// while the run was going (for programs that live long enough to be seen).
func runHostile(t *testing.T, opts RunOptions, mark string, argv ...string) (res RunResult, raw []byte, seen bool) {
	t.Helper()
	var spotted atomic.Bool
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if len(procsWith(mark)) > 0 {
					spotted.Store(true)
				}
			}
		}
	}()
	var buf bytes.Buffer
	res, err := Run(context.Background(), opts, argv, &buf)
	close(stop)
	if err != nil {
		t.Fatalf("Run %v: %v", argv, err)
	}
	limit := opts.Timeout
	if limit == 0 {
		limit = DefaultTimeout
	}
	if res.Duration > limit+killMargin {
		t.Errorf("run lasted %v, beyond timeout %v + %v", res.Duration, limit, killMargin)
	}
	if left := procsWith(mark); len(left) > 0 {
		t.Errorf("processes of the run still alive after Run returned: %v", left)
	}
	t.Logf("result: exit %d, timed out %v, truncated %v, %v, trace %d bytes, stdout %q, stderr %q",
		res.ExitCode, res.TimedOut, res.Truncated, res.Duration.Round(time.Millisecond), buf.Len(), res.Stdout, res.Stderr)
	return res, buf.Bytes(), spotted.Load()
}

func TestRunHostileWrite(t *testing.T) {
	sandboxOrSkip(t)
	progDir, hostTmp, host := t.TempDir(), t.TempDir(), hostDir(t)
	existing := filepath.Join(host, "existing.txt")
	victim := filepath.Join(host, "victim.txt")
	for _, f := range []string{existing, victim} {
		if err := os.WriteFile(f, []byte("original\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, 0o666)
	}
	before, _ := os.Stat(existing)
	prog := writeProgram(t, progDir, "write.sh", fmt.Sprintf(`#!/bin/sh
export MARK=%[1]s
echo pwned > %[2]s/new.txt
echo pwned >> %[3]s
echo pwned > %[4]s/new.txt
mkdir %[2]s/newdir
rm -f %[5]s
mv %[3]s %[2]s/moved.txt
rm -rf %[2]s
echo pwned > /etc/.detector-new.txt
echo scratch > "$HOME/kept.txt" && cat "$HOME/kept.txt"
echo tmp > /tmp/kept.txt && cat /tmp/kept.txt
echo shm > /dev/shm/kept.txt && cat /dev/shm/kept.txt
grep CapEff /proc/self/status
id -u
`, progDir, host, existing, hostTmp, victim))
	// The host files are arguments: the sandbox shows them, read-only.
	res, raw, _ := runHostile(t, RunOptions{Timeout: 10 * time.Second}, progDir, prog, existing, victim)

	for _, f := range []string{existing, victim} {
		if b, err := os.ReadFile(f); err != nil || string(b) != "original\n" {
			t.Errorf("host file %s changed: %q, %v", f, b, err)
		}
	}
	if after, err := os.Stat(existing); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("host file %s touched", existing)
	}
	for _, f := range []string{filepath.Join(host, "new.txt"), filepath.Join(host, "newdir"), filepath.Join(host, "moved.txt"), filepath.Join(hostTmp, "new.txt"), "/etc/.detector-new.txt"} {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("the program created %s on the host", f)
		}
	}
	out := string(res.Stdout)
	for _, want := range []string{"scratch\n", "tmp\n", "shm\n", "CapEff:\t0000000000000000\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q: the sandbox's private folders or dropped capabilities are not as expected", want)
		}
	}
	if uid, _ := sandboxIDs(); !strings.HasSuffix(out, fmt.Sprintf("\n%d\n", uid)) {
		t.Errorf("program did not run as uid %d", uid)
	}

	// The refused calls are in the trace.
	calls := parseCalls(t, raw)
	for _, want := range []tracedCall{
		{"openat", host + "/new.txt", "EROFS"},
		{"openat", existing, "EROFS"},
		{"mkdir", host + "/newdir", "EROFS"},
		{"unlinkat", victim, "EROFS"},
		{"openat", "/etc/.detector-new.txt", "EROFS"},
	} {
		if _, ok := findCall(calls, want.Name, want.Args, want.Errno); !ok {
			t.Errorf("trace lacks %s(%s...) = %s", want.Name, want.Args, want.Errno)
		}
	}

	// Nothing written survives the run.
	res, _, _ = runHostile(t, RunOptions{}, progDir, "/bin/sh", "-c", ": "+progDir+"; cat $HOME/kept.txt /tmp/kept.txt /dev/shm/kept.txt")
	if len(res.Stdout) > 0 || res.ExitCode == 0 {
		t.Errorf("files of an earlier run are still there: %q", res.Stdout)
	}
}

func TestRunHostileConnect(t *testing.T) {
	sandboxOrSkip(t)
	needPerl(t)
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	targets := []string{"127.0.0.1"}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil && !ip.IP.IsLoopback() {
				targets = append(targets, ip.IP.String()) // the host's own address
				break
			}
		}
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	dir := t.TempDir()
	prog := writeProgram(t, dir, "connect.pl", fmt.Sprintf(`#!/usr/bin/perl
# MARK %s
use IO::Socket::INET;
$| = 1;
for my $host (qw(%s)) {
	my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => %d, Proto => "tcp", Timeout => 3);
	print $s ? "connected to $host\n" : "no connection to $host: $!\n";
}
`, dir, strings.Join(targets, " "), port))
	res, raw, _ := runHostile(t, RunOptions{Timeout: 20 * time.Second}, dir, prog)

	// A connection completes in the kernel before connect returns: had the
	// program reached the listener, Accept would already have it queued.
	time.Sleep(100 * time.Millisecond)
	ln.Close()
	if n := accepted.Load(); n > 0 || strings.Contains(string(res.Stdout), "connected") {
		t.Errorf("the host's listener saw %d connections; stdout %q", n, res.Stdout)
	}
	calls := parseCalls(t, raw)
	if c, ok := findCall(calls, "connect", "127.0.0.1", ""); !ok || c.Errno == "" {
		t.Errorf("trace lacks the refused connect to 127.0.0.1 (found %v: %+v)", ok, c)
	}
}

func TestRunHostileNeverExits(t *testing.T) {
	sandboxOrSkip(t)
	for _, noSandbox := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoSandbox=%v", noSandbox), func(t *testing.T) {
			dir := t.TempDir()
			prog := writeProgram(t, dir, "forever.sh", "#!/bin/sh\nexport MARK="+dir+"\nsleep 1000 &\n(sleep 1000; true) &\nwhile :; do :; done\n")
			timeout := 2 * time.Second
			res, raw, seen := runHostile(t, RunOptions{Timeout: timeout, NoSandbox: noSandbox}, dir, prog)
			if !res.TimedOut || res.ExitCode != -1 {
				t.Errorf("result %+v, want TimedOut and exit code -1", res)
			}
			if res.Duration < timeout {
				t.Errorf("run ended after %v, before its timeout %v", res.Duration, timeout)
			}
			if !seen {
				t.Errorf("the program's processes were never seen running: the survivor check is blind")
			}
			if !bytes.Contains(raw, []byte(`execve("/usr/bin/sleep"`)) && !bytes.Contains(raw, []byte(`execve("/bin/sleep"`)) {
				t.Errorf("the trace so far was not kept:\n%.500s", raw)
			}
		})
	}
}

func TestRunHostileForkBomb(t *testing.T) {
	sandboxOrSkip(t)
	needPerl(t)
	dir := t.TempDir()
	prog := writeProgram(t, dir, "forks.pl", fmt.Sprintf(`#!/usr/bin/perl
$ENV{MARK} = "%s";
$| = 1;
my $n = 0;
for (1 .. 5000) {
	my $pid = fork();
	if (!defined $pid) { print "fork failed after $n children: $!\n"; last }
	if ($pid == 0) { sleep 3; exit 0 }
	$n++;
}
print "forked $n\n";
1 while wait() != -1;
`, dir))
	res, raw, seen := runHostile(t, RunOptions{Timeout: 60 * time.Second}, dir, prog)
	out := string(res.Stdout)
	var n int
	if i := strings.Index(out, "forked "); i < 0 {
		t.Fatalf("no count in stdout %q", out)
	} else {
		n, _ = strconv.Atoi(strings.TrimSpace(out[i+len("forked "):]))
	}
	if !strings.Contains(out, "fork failed") || n >= initproc.LimitProcs {
		t.Errorf("%d forks succeeded, want fewer than %d and a failure", n, initproc.LimitProcs)
	}
	if !seen {
		t.Errorf("the program's processes were never seen running: the survivor check is blind")
	}
	calls := parseCalls(t, raw)
	if _, ok := findCall(calls, "clone", "", "EAGAIN"); !ok {
		t.Errorf("trace lacks the failed clone")
	}
}

func TestRunHostileSetuid(t *testing.T) {
	sandboxOrSkip(t)
	dir := t.TempDir()
	prog := compileC(t, dir, "setuid", `#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
	if (setuid(0) == 0) {
		puts("setuid(0) succeeded");
		return 0;
	}
	printf("setuid(0) failed: %s\n", strerror(errno));
	return 1;
}
`)
	res, raw, _ := runHostile(t, RunOptions{Timeout: 10 * time.Second}, dir, prog)
	if res.ExitCode != 1 || !strings.Contains(string(res.Stdout), "setuid(0) failed") {
		t.Errorf("setuid(0) was not refused: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
	calls := parseCalls(t, raw)
	if c, ok := findCall(calls, "setuid", "0", ""); !ok || c.Errno == "" {
		t.Errorf("trace lacks the failed setuid(0) (found %v: %+v)", ok, c)
	}
}

func TestRunHostileTraceFlood(t *testing.T) {
	sandboxOrSkip(t)
	dir := t.TempDir()
	prog := compileC(t, dir, "flood", `#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	for (;;)
		syscall(SYS_getpid);
}
`)
	const max = 1 << 20
	res, raw, _ := runHostile(t, RunOptions{Timeout: 60 * time.Second, MaxTrace: max}, dir, prog)
	if !res.Truncated || res.TimedOut || res.ExitCode != -1 {
		t.Errorf("result %+v, want Truncated, not TimedOut, exit code -1", res)
	}
	if len(raw) != max {
		t.Errorf("got %d trace bytes, want exactly MaxTrace = %d", len(raw), max)
	}
	if n := bytes.Count(raw, []byte("getpid()")); n < 1000 {
		t.Errorf("only %d getpid calls in the trace", n)
	}
}
