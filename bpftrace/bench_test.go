package bpftrace

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// benchTracer opens a system-wide tracer for a benchmark, or skips.
func benchTracer(b *testing.B, c Config) *Tracer {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("skipped: the eBPF tracer needs root")
	}
	tr, err := Open(c)
	if err != nil {
		b.Skipf("skipped: %v", err)
	}
	return tr
}

// BenchmarkGetppid is the per-call cost of getppid untraced, with
// in-kernel counting only (no argument events), in stream mode (every
// call an event with its result), and with argument events of
// openat (an openat loop, every call an event through the ring buffer).
func BenchmarkGetppid(b *testing.B) {
	loop := func(b *testing.B) {
		for b.Loop() {
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		}
	}
	path, _ := syscall.BytePtrFromString("/nonexistent/bpftrace-bench")
	openLoop := func(b *testing.B) {
		for b.Loop() {
			syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(0xffffff9c), uintptr(unsafe.Pointer(path)), 0, 0, 0, 0)
		}
	}
	b.Run("untraced", loop)
	b.Run("counting", func(b *testing.B) {
		tr := benchTracer(b, Config{Calls: []string{}})
		defer tr.Close()
		loop(b)
	})
	b.Run("counting-no-exit-hook", func(b *testing.B) {
		// As before the exit hook was always attached: its share of
		// "counting" is the difference.
		tr := benchTracer(b, Config{Calls: []string{}})
		defer tr.Close()
		if err := tr.detachExit(); err != nil {
			b.Fatal(err)
		}
		loop(b)
	})
	b.Run("counting-monitor-calls", func(b *testing.B) {
		// The calls the monitor describes (none of them getppid).
		tr := benchTracer(b, Config{Calls: HostCalls, Events: func(Event) {}})
		defer tr.Close()
		hookTime(b, tr, loop)
	})
	b.Run("counting-monitor-calls-raw", func(b *testing.B) {
		// The same with the call hooks as raw tracepoints, as on a
		// kernel that takes no BPF raw tracepoints (tp_btf).
		rawOnly = true
		defer func() { rawOnly = false }()
		tr := benchTracer(b, Config{Calls: HostCalls, Events: func(Event) {}})
		defer tr.Close()
		hookTime(b, tr, loop)
	})
	b.Run("stream", func(b *testing.B) {
		// Every call an event, read as fast as it comes.
		tr := benchTracer(b, Config{Stream: true, Calls: []string{}, Events: func(Event) {}})
		defer tr.Close()
		loop(b)
		lost, _ := tr.Lost()
		b.ReportMetric(float64(lost)/float64(b.N), "lost/op")
	})
	b.Run("openat-untraced", openLoop)
	b.Run("openat-counting", func(b *testing.B) {
		tr := benchTracer(b, Config{Calls: []string{}})
		defer tr.Close()
		openLoop(b)
	})
	b.Run("openat-ring", func(b *testing.B) {
		tr := benchTracer(b, Config{Calls: []string{"openat"}, Events: func(Event) {}})
		defer tr.Close()
		openLoop(b)
		lost, _ := tr.Lost()
		b.ReportMetric(float64(lost)/float64(b.N), "lost/op")
	})
	// A successful open of a file six folders deep, sent at its exit
	// with the path the kernel resolved (the walk), against the same
	// open untraced.
	file, _ := syscall.BytePtrFromString("/usr/share/common-licenses/GPL-3")
	openOK := func(b *testing.B) {
		for b.Loop() {
			fd, _, _ := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(0xffffff9c), uintptr(unsafe.Pointer(file)), 0, 0, 0, 0)
			syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
		}
	}
	b.Run("open-resolved-untraced", openOK)
	b.Run("open-kept", func(b *testing.B) {
		// The same open kept in the kernel by the filter of opens (as
		// the monitor's: no rule names the file): its path read and
		// scanned, the file and the folders above it compared.
		tr := benchTracer(b, Config{Calls: []string{"openat"}, Events: func(Event) {},
			Interest: &Interest{Prefixes: []string{"/proc/", "/dev/input/"}, Exact: []string{"/etc/shadow"}, Hidden: []string{".ssh", ".aws"}}})
		defer tr.Close()
		hookTime(b, tr, openOK)
		kept, _ := tr.Filtered()
		b.ReportMetric(float64(kept)/float64(b.N), "kept/op")
	})
	b.Run("open-resolved-ring", func(b *testing.B) {
		tr := benchTracer(b, Config{Calls: []string{"openat"}, Events: func(Event) {}})
		defer tr.Close()
		openOK(b)
		lost, _ := tr.Lost()
		b.ReportMetric(float64(lost)/float64(b.N), "lost/op")
	})
}

// hookTime runs loop traced by tr with the kernel's BPF statistics on,
// and reports the time the sys_enter and sys_exit programs ran per
// operation (per call of loop's, with the host's other calls meanwhile)
// and per run (each call on the host), which a busy machine's wall times
// hide. The statistics add their own clock reads to each run (about 60
// ns here, what a program that does nothing measures).
func hookTime(b *testing.B, tr *Tracer, loop func(*testing.B)) {
	stats, err := EnableStats()
	if err != nil {
		loop(b)
		return
	}
	defer stats.Close()
	before, err := tr.HookTimes()
	loop(b)
	after, err2 := tr.HookTimes()
	if err != nil || err2 != nil {
		return
	}
	for _, h := range []string{"sys_enter", "sys_exit"} {
		if runs := after[h].Runs - before[h].Runs; runs > 0 {
			b.ReportMetric(float64(after[h].Runtime-before[h].Runtime)/float64(b.N), h+"-ns/op")
			b.ReportMetric(float64(after[h].Runtime-before[h].Runtime)/float64(runs), h+"-ns/run")
		}
	}
}

// BenchmarkFindCat is the wall time of a syscall-heavy workload untraced
// and traced (counting plus events of execve, openat and connect).
func BenchmarkFindCat(b *testing.B) {
	run := func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("/bin/sh", "-c", "find /usr -type f 2>/dev/null | head -n 20000 | xargs cat >/dev/null 2>&1")
			if err := cmd.Run(); err != nil {
				if _, ok := err.(*exec.ExitError); !ok {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("untraced", run)
	b.Run("traced", func(b *testing.B) {
		tr := benchTracer(b, Config{Events: func(Event) {}})
		defer tr.Close()
		run(b)
	})
	b.Run("untraced-again", run)
}

// BenchmarkExecEnv is the cost of an exec (of /bin/true, waited for)
// untraced, traced without looking at the environment, and traced with
// the default variables of interest looked for (DefaultEnv), with an
// environment of 40 variables and one of 2,000. bpf-ns/exec is the
// exec hook's own time in the kernel per exec (the kernel's BPF run-time
// statistics), which a busy machine's wall times hide.
func BenchmarkExecEnv(b *testing.B) {
	for _, n := range []int{40, 2000} {
		env := []string{"LD_PRELOAD=/nonexistent/x.so", "HISTFILE=/dev/null"}
		for i := len(env); i < n; i++ {
			env = append(env, "VARIABLE_"+strconv.Itoa(i)+"=/usr/local/share/some/value/of/a/usual/length")
		}
		run := func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command("/bin/true")
				cmd.Env = env
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run("vars="+strconv.Itoa(n)+"/untraced", run)
		traced := func(env []string) func(b *testing.B) {
			return func(b *testing.B) {
				tr := benchTracer(b, Config{Env: env, Events: func(Event) {}})
				defer tr.Close()
				stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
				if err == nil {
					defer stats.Close()
				}
				before, _ := tr.objs.ProcessExec.Stats()
				run(b)
				if after, _ := tr.objs.ProcessExec.Stats(); err == nil && before != nil && after != nil && after.RunCount > before.RunCount {
					b.ReportMetric(float64(after.Runtime-before.Runtime)/float64(after.RunCount-before.RunCount), "bpf-ns/exec")
				}
			}
		}
		b.Run("vars="+strconv.Itoa(n)+"/traced-no-env", traced([]string{}))
		b.Run("vars="+strconv.Itoa(n)+"/traced-env", traced(nil))
	}
}
