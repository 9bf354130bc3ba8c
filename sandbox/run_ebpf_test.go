package sandbox

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"detector/bpftrace"
	"detector/trace"
)

func ebpfOrSkip(t *testing.T) {
	t.Helper()
	sandboxOrSkip(t)
	if os.Getuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
	tr, err := bpftrace.Open(bpftrace.Config{})
	if err != nil {
		t.Skipf("the eBPF tracer cannot load here: %v", err)
	}
	tr.Close()
}

// With the eBPF tracer the sandboxed program's call-name histogram is the
// one strace gives the same run: exactly, for a deterministic program, for
// one that starts another, counting what the child does before its exec
// as strace -f does, and for one that execs another.
func TestRunEBPFHistogramEqualsStrace(t *testing.T) {
	ebpfOrSkip(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	cases := []struct {
		name   string
		argv   []string
		counts map[string]int64
	}{
		{"getppid", []string{perl, "-e", "syscall(110) for 1..10000"}, map[string]int64{"getppid": 10000}},
		{"fork and exec", []string{perl, "-e", `if (my $p = fork) { waitpid($p, 0) } else { syscall(110) for 1..500; exec $^X, "-e", "syscall(39) for 1..300" }`},
			map[string]int64{"getppid": 500, "getpid": 300}},
		{"exec again", []string{perl, "-e", `syscall(110) for 1..500; exec $^X, "-e", "syscall(39) for 1..300"`},
			map[string]int64{"getppid": 500, "getpid": 300}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var log bytes.Buffer
			if _, err := Run(context.Background(), RunOptions{}, c.argv, &log); err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			if _, err := trace.ParseStrace(&log, func(c *trace.Call) error { want[c.Name]++; return nil }); err != nil {
				t.Fatal(err)
			}
			var events []bpftrace.Event
			res, err := Run(context.Background(), RunOptions{Tracer: "ebpf", Events: func(e bpftrace.Event) { events = append(events, e) }}, c.argv, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 0 {
				t.Fatalf("exit %d", res.ExitCode)
			}
			for n, k := range c.counts {
				if res.Counts[n] != k {
					t.Errorf("%s counted %d times, want %d", n, res.Counts[n], k)
				}
			}
			for n, k := range want {
				if res.Counts[n] != k {
					t.Errorf("%s: ebpf %d, strace %d", n, res.Counts[n], k)
				}
			}
			for n, k := range res.Counts {
				if want[n] != k {
					t.Errorf("%s: ebpf %d, strace %d", n, k, want[n])
				}
			}
			opens := 0
			for _, e := range events {
				if e.Kind == bpftrace.Call && e.Name == "openat" {
					opens++
				}
			}
			if int64(opens) != want["openat"] {
				t.Errorf("%d openat events, %d openat calls", opens, want["openat"])
			}
		})
	}
}

// A program that cannot start is an error saying why; the run's exit
// status and output come back as with strace.
func TestRunEBPFStatus(t *testing.T) {
	ebpfOrSkip(t)
	res, err := Run(context.Background(), RunOptions{Tracer: "ebpf"}, []string{"/bin/sh", "-c", "echo out; exit 3"}, nil)
	if err != nil || res.ExitCode != 3 || string(res.Stdout) != "out\n" {
		t.Errorf("exit %d, stdout %q, %v", res.ExitCode, res.Stdout, err)
	}
	dir := t.TempDir()
	noexec := dir + "/x"
	os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644)
	_, err = Run(context.Background(), RunOptions{Tracer: "ebpf"}, []string{noexec}, nil)
	if _, ok := err.(*NotStartedError); !ok {
		t.Errorf("a file without the execute bit: %v, want NotStartedError", err)
	}
}

// With the eBPF tracer the sample runs under the same seccomp filter and
// without privileges: clone3 is refused with ENOSYS (without the filter,
// clone3(NULL, 0) fails with EINVAL), the program is nobody, and /root is
// not there.
func TestRunEBPFSameSandbox(t *testing.T) {
	ebpfOrSkip(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	script := `my $r = syscall(435, 0, 0); print(($r < 0 ? $!+0 : 0), " ", $<, " ", (-e "/root" ? "root-visible" : "no-root"), "\n")`
	res, err := Run(context.Background(), RunOptions{Tracer: "ebpf"}, []string{perl, "-e", script}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "38 65534 no-root\n" {
		t.Errorf("clone3 errno, uid and /root: %q, want ENOSYS (38), nobody and no /root", got)
	}
}

// Events lost to a full ring are counted (Lost), and never the counts:
// those of processes whose exit event was lost are read from the kernel
// after the run. A one-page ring and a slow reader lose most events of a
// program that forks 50 children.
func TestRunEBPFLossKeepsCounts(t *testing.T) {
	ebpfOrSkip(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	argv := []string{perl, "-e", `for (1..50) { if (my $p = fork) { waitpid($p, 0) } else { syscall(110) for 1..100; exit 0 } }`}
	res, err := Run(context.Background(), RunOptions{Tracer: "ebpf", Stream: true, ringSize: os.Getpagesize(),
		Events: func(bpftrace.Event) { time.Sleep(time.Millisecond) }}, argv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lost == 0 {
		t.Fatal("a one-page ring with a slow reader lost no event")
	}
	if res.Counts["getppid"] != 5000 {
		t.Fatalf("getppid counted %d times with %d events lost, want 5000", res.Counts["getppid"], res.Lost)
	}
}
