package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// memoryBoundOrSkip skips the test where runs cannot be bounded in total
// memory (no cgroup this user may manage).
func memoryBoundOrSkip(t *testing.T) {
	t.Helper()
	sandboxOrSkip(t)
	if err := CheckMemoryBound(); err != nil {
		if os.Getuid() == 0 {
			t.Fatalf("running as root, yet: %v", err)
		}
		t.Skipf("no memory bound for this user here: %v", err)
	}
}

// leftCgroups lists the cgroups of this process's runs still present.
func leftCgroups(t *testing.T) []string {
	t.Helper()
	s := findCgroup()
	if s.kind == cgroupNone {
		return nil
	}
	left, err := filepath.Glob(filepath.Join(s.parent, fmt.Sprintf("%s%d-*", cgroupPrefix, os.Getpid())))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// TestRunHostileMemory: a run is bounded in total memory, whether it spreads
// its memory over processes that each stay below the address-space limit or
// puts it in a memfd, which that limit does not count; the result says so,
// and the run's cgroup is gone afterwards.
func TestRunHostileMemory(t *testing.T) {
	memoryBoundOrSkip(t)
	needPerl(t)
	const bound = 256 << 20
	for _, c := range []struct{ name, script string }{
		{"processes", `
my @kids;
for my $i (1 .. 4) {
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		my $s = "x" x (160 << 20);   # written, so resident
		print "child $i holds 160 MiB\n";
		sleep 2;
		exit 0;
	}
	push @kids, $pid;
}
my $ok = 0;
for (@kids) { waitpid($_, 0); $ok++ if $? == 0 }
print "$ok of 4 children held their memory\n";
exit($ok == 4 ? 0 : 1);
`},
		{"memfd", `
# Memfds, each below the file-size limit, count in no address space.
my (@files, $n);
my $chunk = "x" x (1 << 20);
MEMFD: for my $i (1 .. 20) {
	my $name = "big$i";
	my $fd = syscall(319, $name, 0);   # memfd_create
	last if $fd < 0;
	open(my $f, ">&=", $fd) or last;
	push @files, $f;
	for (1 .. 32) {
		syswrite($f, $chunk) == length($chunk) or last MEMFD;
		$n++;
	}
}
print "wrote $n MiB into memfds\n";
exit($n == 640 ? 0 : 1);
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			prog := writeProgram(t, dir, "memory.pl", "#!/usr/bin/perl\n# MARK "+dir+"\n$| = 1;\n"+c.script)
			res, _, _ := runHostile(t, RunOptions{Timeout: 30 * time.Second, MaxMemory: bound}, dir, prog)
			out := string(res.Stdout)
			if res.ExitCode == 0 || strings.Contains(out, "4 of 4") || strings.Contains(out, "wrote 640") {
				t.Errorf("the run got more than its %d MiB: exit %d, stdout %q", bound>>20, res.ExitCode, out)
			}
			if !res.MemoryLimited {
				t.Errorf("the result does not say that the run hit its memory bound: %+v", res)
			}
			// The kernel may count a page or two beyond the bound.
			if res.PeakMemory <= 0 || res.PeakMemory > bound+1<<20 {
				t.Errorf("peak memory %d, want within (0, %d]", res.PeakMemory, bound)
			}
			t.Logf("peak memory %d MiB", res.PeakMemory>>20)
			if left := leftCgroups(t); len(left) > 0 {
				t.Errorf("cgroups left after the run: %v", left)
			}
		})
	}
}

// TestRunMemoryBoundCleanup: a run within its bound is not marked, and
// neither a normal end, a timeout nor a failed setup leaves its cgroup
// behind.
func TestRunMemoryBoundCleanup(t *testing.T) {
	memoryBoundOrSkip(t)
	dir := t.TempDir()
	res, _, _ := runHostile(t, RunOptions{}, dir, "/bin/sh", "-c", ": "+dir+"; echo fine")
	if res.MemoryLimited || string(res.Stdout) != "fine\n" || res.PeakMemory <= 0 {
		t.Errorf("a small run: %+v, want no memory mark, its output and a peak", res)
	}
	res, _, _ = runHostile(t, RunOptions{Timeout: time.Second}, dir, "/bin/sh", "-c", ": "+dir+"; sleep 100")
	if !res.TimedOut || res.MemoryLimited {
		t.Errorf("a run killed at its timeout: %+v", res)
	}
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	if left := leftCgroups(t); len(left) > 0 {
		t.Errorf("cgroups left after the runs: %v", left)
	}
}

// TestCgroupSweep: the empty cgroup of a detector that is gone is removed;
// that of a live one stays.
func TestCgroupSweep(t *testing.T) {
	memoryBoundOrSkip(t)
	s := findCgroup()
	gone := filepath.Join(s.parent, fmt.Sprintf("%s%d-1", cgroupPrefix, 1<<31-1))
	live := filepath.Join(s.parent, fmt.Sprintf("%s%d-1", cgroupPrefix, os.Getppid()))
	for _, d := range []string{gone, live} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(d) })
	}
	s.sweep()
	if _, err := os.Stat(gone); err == nil {
		t.Errorf("the cgroup of a detector that is gone is still there: %s", gone)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the cgroup of a live detector was removed: %v", err)
	}
}
