package sandbox

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"detector/bpftrace"
)

// benchScript is the short program timed by BenchmarkRun.
const benchScript = "ls /usr/bin | sort | sha256sum"

// cpuTime returns the CPU time, user and system, used so far by this process
// and its waited-for descendants.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + children.Utime.Nano() + children.Stime.Nano())
}

// BenchmarkRun times one traced run of a short shell pipeline: in the
// sandbox, with NoSandbox, and as plain "strace -f -o FILE" started directly,
// the baseline the sandbox's overhead is measured against. Besides wall time
// (ns/op) it reports the CPU time of the whole run, tracer, program and
// runner included (cpu-ns/op), which a busy machine disturbs less.
func BenchmarkRun(b *testing.B) {
	argv := []string{"/bin/sh", "-c", benchScript}
	strace, err := exec.LookPath("strace")
	if err != nil {
		b.Skip("strace not installed")
	}
	measure := func(b *testing.B, run func()) {
		cpu := cpuTime()
		for b.Loop() {
			run()
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	}
	b.Run("PlainStrace", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "trace")
		measure(b, func() {
			cmd := exec.Command(strace, append([]string{"-f", "-q", "-s", "256", "-o", out}, argv...)...)
			if err := cmd.Run(); err != nil {
				b.Fatalf("plain strace: %v", err)
			}
		})
	})
	for _, c := range []struct {
		name string
		opts RunOptions
	}{{"Sandbox", RunOptions{}}, {"NoSandbox", RunOptions{NoSandbox: true}}} {
		b.Run(c.name, func(b *testing.B) {
			if !c.opts.NoSandbox {
				if err := Check(); err != nil {
					b.Skipf("no sandbox here: %v", err)
				}
			}
			measure(b, func() {
				res, err := Run(context.Background(), c.opts, argv, io.Discard)
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("Run: %+v, %v", res, err)
				}
			})
		})
	}
	// The parts of the overhead: strace writing into a pipe read by Go
	// rather than into a file.
	b.Run("PlainStracePipe", func(b *testing.B) {
		measure(b, func() {
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(strace, append([]string{"-f", "-q", "-s", "256", "-o", "/proc/self/fd/3"}, argv...)...)
			cmd.ExtraFiles = []*os.File{w}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			w.Close()
			io.Copy(io.Discard, r)
			r.Close()
			if err := cmd.Wait(); err != nil {
				b.Fatalf("plain strace: %v", err)
			}
		})
	})
}

// BenchmarkRunFixtures traces every benign fixture once per op, both in the
// sandbox and as plain "strace -f -o FILE": the overhead the sandbox adds
// to a real training run. The two run alternately, fixture by fixture, so
// that a change in the machine's load during the benchmark falls on both
// alike; the metrics are the two sides' wall time per op and the overhead
// in percent.
func BenchmarkRunFixtures(b *testing.B) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		b.Skip("strace not installed")
	}
	if err := Check(); err != nil {
		b.Skipf("no sandbox here: %v", err)
	}
	files, _ := filepath.Glob("../fixtures/benign/*.sh")
	if len(files) == 0 {
		b.Skip("no benign fixtures")
	}
	for i, f := range files {
		if files[i], err = filepath.Abs(f); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(b.TempDir(), "trace")
	var plain, sandboxed time.Duration
	for b.Loop() {
		for _, f := range files {
			start := time.Now()
			cmd := exec.Command(strace, "-f", "-q", "-s", "256", "-o", out, f)
			cmd.Dir = b.TempDir()
			if err := cmd.Run(); err != nil {
				b.Fatalf("plain strace %s: %v", f, err)
			}
			plain += time.Since(start)

			start = time.Now()
			res, err := Run(context.Background(), RunOptions{}, []string{f}, io.Discard)
			if err != nil || res.ExitCode != 0 {
				b.Fatalf("Run %s: %+v, %v", f, res, err)
			}
			sandboxed += time.Since(start)
		}
	}
	b.ReportMetric(float64(plain.Milliseconds())/float64(b.N), "plain-ms/op")
	b.ReportMetric(float64(sandboxed.Milliseconds())/float64(b.N), "sandbox-ms/op")
	b.ReportMetric(100*(float64(sandboxed)/float64(plain)-1), "overhead-%")
}

// BenchmarkTraceOptions traces every benign fixture once per op in the
// sandbox with TraceOptions and with the options of earlier versions (only
// -s 256: no timestamps, no descriptor decoding, abbreviated structures),
// alternating fixture by fixture; the metrics are both sides' wall time per
// op and the cost of the richer trace in percent.
func BenchmarkTraceOptions(b *testing.B) {
	if _, err := exec.LookPath("strace"); err != nil {
		b.Skip("strace not installed")
	}
	if err := Check(); err != nil {
		b.Skipf("no sandbox here: %v", err)
	}
	files, _ := filepath.Glob("../fixtures/benign/*.sh")
	if len(files) == 0 {
		b.Skip("no benign fixtures")
	}
	current := traceOptions
	defer func() { traceOptions = current }()
	old := []string{"-s", "256"}
	run := func(f string, opts []string, total *time.Duration, bytes *int64) {
		traceOptions = opts
		var n countWriter
		start := time.Now()
		res, err := Run(context.Background(), RunOptions{}, []string{f}, &n)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("Run %s: %+v, %v", f, res, err)
		}
		*total += time.Since(start)
		*bytes += int64(n)
	}
	var tOld, tNew time.Duration
	var bOld, bNew int64
	for b.Loop() {
		for _, f := range files {
			f, _ = filepath.Abs(f)
			run(f, old, &tOld, &bOld)
			run(f, current, &tNew, &bNew)
		}
	}
	b.ReportMetric(float64(tOld.Milliseconds())/float64(b.N), "old-ms/op")
	b.ReportMetric(float64(tNew.Milliseconds())/float64(b.N), "new-ms/op")
	b.ReportMetric(100*(float64(tNew)/float64(tOld)-1), "cost-%")
	b.ReportMetric(float64(bOld)/float64(b.N), "old-trace-B/op")
	b.ReportMetric(float64(bNew)/float64(b.N), "new-trace-B/op")
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// BenchmarkSandboxSetup times building a sandbox and tearing it down
// without running strace (Check): the setup cost every run pays, new
// root, mounts and the run's cgroup included.
func BenchmarkSandboxSetup(b *testing.B) {
	if err := Check(); err != nil {
		b.Skipf("no sandbox here: %v", err)
	}
	cpu := cpuTime()
	for b.Loop() {
		if err := Check(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkTracers runs a syscall-heavy workload (20,000 files of /usr
// found and read) plain, and in the sandbox untraced, under the eBPF
// tracer (counting; counting with the events rules read; every call as
// an event, as for sequence models and logs) and under strace, in turning
// order within each op after a warm-up, so that the machine's load falls
// on all alike. The metrics are each side's seconds per run and its ratio
// to the sandbox untraced, the tracers' own cost; plain-x is the
// sandbox's.
func BenchmarkTracers(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("skipped: the eBPF tracer needs root")
	}
	if err := Check(); err != nil {
		b.Skipf("no sandbox here: %v", err)
	}
	const work = "find /usr -type f 2>/dev/null | head -n 20000 | xargs cat >/dev/null 2>&1"
	argv := []string{"/bin/sh", "-c", work}
	events := func(bpftrace.Event) {}
	sides := []struct {
		name string
		opts *RunOptions
	}{
		{"plain", nil},
		{"untraced", &RunOptions{untraced: true}},
		{"ebpf", &RunOptions{Tracer: "ebpf"}},
		{"ebpf-events", &RunOptions{Tracer: "ebpf", Events: events}},
		{"ebpf-stream", &RunOptions{Tracer: "ebpf", Events: events, Stream: true}},
		{"strace", &RunOptions{}},
	}
	run := func(o *RunOptions) time.Duration {
		start := time.Now()
		if o == nil {
			exec.Command(argv[0], argv[1:]...).Run()
			return time.Since(start)
		}
		o.Timeout, o.MaxTrace = 5*time.Minute, 1<<40
		if _, err := Run(context.Background(), *o, argv, io.Discard); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run(nil) // the page cache holds the files from now on
	total := make([]time.Duration, len(sides))
	for i := 0; b.Loop(); i++ {
		for k := range sides {
			j := (i + k) % len(sides)
			total[j] += run(sides[j].opts)
		}
	}
	base := total[1].Seconds()
	for j, s := range sides {
		b.ReportMetric(total[j].Seconds()/float64(b.N), s.name+"-s")
		if j != 1 {
			b.ReportMetric(total[j].Seconds()/base, s.name+"-x")
		}
	}
}
