package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var findCatFiles = flag.Int("findcat-files", 20000, "how many files of /usr the find | xargs cat benchmarks read (0: all)")

// findCat is the syscall-heavy workload of the monitoring benchmarks, as
// a command line: -findcat-files files of /usr found and read.
func findCat() []string {
	head := ""
	if *findCatFiles > 0 {
		head = fmt.Sprintf("| head -n %d ", *findCatFiles)
	}
	return []string{"/bin/sh", "-c", "find /usr -type f 2>/dev/null " + head + "| xargs cat >/dev/null 2>&1"}
}

// BenchmarkMonitorFindCat measures the wall time of findCat untraced,
// under monitor --source ebpf (the default rules judging every event) and
// under strace -f, the three alternating
// within each op, in turning order, after a warm-up run, so that the machine's load falls on all alike. The
// metrics are each side's seconds per run and the ratios to untraced.
func BenchmarkMonitorFindCat(b *testing.B) {
	if os.Getuid() != 0 {
		b.Skip("needs root to load BPF programs")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		b.Skip("strace is not installed")
	}
	work := func(argv ...string) time.Duration {
		start := time.Now()
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	workload := findCat()
	log := filepath.Join(b.TempDir(), "log.jsonl")
	work(workload...) // the page cache holds the files from now on
	var tUn, tMon, tStrace time.Duration
	monitored := func() time.Duration {
		mon := exec.Command(binary, "monitor", "--source", "ebpf", "--log", log)
		errPipe, _ := mon.StderrPipe()
		if err := mon.Start(); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 4096)
		var got []byte
		for !containsBytes(got, "probes attached") {
			n, err := errPipe.Read(buf)
			if err != nil {
				mon.Wait()
				b.Fatalf("monitor did not start: %s", got)
			}
			got = append(got, buf[:n]...)
		}
		// Steady state: the monitor's own start (loading the rules and
		// the package lists it reads lazily) is not the workload's cost.
		exec.Command("/bin/true").Run() // the first exec loads the package lists
		time.Sleep(time.Second)
		d := work(workload...)
		mon.Process.Signal(os.Interrupt)
		mon.Wait()
		return d
	}
	for i := 0; b.Loop(); i++ {
		// The order turns each op, so no side always runs first.
		for k := range 3 {
			switch (i + k) % 3 {
			case 0:
				tUn += work(workload...)
			case 1:
				tMon += monitored()
			case 2:
				tStrace += work(append([]string{strace, "-f", "-q", "-o", "/dev/null"}, workload...)...)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(tUn.Seconds()/n, "untraced-s")
	b.ReportMetric(tMon.Seconds()/n, "monitor-ebpf-s")
	b.ReportMetric(tStrace.Seconds()/n, "strace-s")
	b.ReportMetric(tMon.Seconds()/tUn.Seconds(), "monitor-x")
	b.ReportMetric(tStrace.Seconds()/tUn.Seconds(), "strace-x")
}

func containsBytes(b []byte, s string) bool { return strings.Contains(string(b), s) }

// BenchmarkTracerFindCat measures findCat as a sample, in the sandbox:
// untraced (the plain command, outside the sandbox), under
// features --tracer ebpf (the kernel's counts alone), detect --tracer ebpf
// (the default rules judging the events too) and features --tracer strace,
// alternating in turning order after a warm-up. Each traced side includes
// detector's own start.
func BenchmarkTracerFindCat(b *testing.B) {
	if os.Getuid() != 0 {
		b.Skip("needs root to load BPF programs")
	}
	if _, err := exec.LookPath("strace"); err != nil {
		b.Skip("strace is not installed")
	}
	timed := func(argv ...string) time.Duration {
		start := time.Now()
		cmd := exec.Command(argv[0], argv[1:]...)
		if out, err := cmd.CombinedOutput(); err != nil {
			// detect's status 1 is a verdict (anomalous), not a failure.
			if ee, ok := err.(*exec.ExitError); !ok || argv[0] == binary && (argv[1] != "detect" || ee.ExitCode() != 1) {
				b.Fatalf("%v: %v %s", argv, err, out)
			}
		}
		return time.Since(start)
	}
	workload := findCat()
	sample := func(tracer string) []string {
		return append([]string{binary, "features", "--tracer", tracer, "--timeout", "30m", "--max-trace", "4GiB", "--"}, workload...)
	}
	model := filepath.Join(b.TempDir(), "m.gob")
	if out, err := exec.Command(binary, "train", "--tracer", "ebpf", "--commands", "fixtures/commands/train.txt", "--model", model).CombinedOutput(); err != nil {
		b.Fatalf("train: %v %s", err, out)
	}
	detect := append([]string{binary, "detect", "--tracer", "ebpf", "--model", model, "--timeout", "30m", "--max-trace", "4GiB", "--"}, workload...)
	timed(workload...)
	var tUn, tEBPF, tDetect, tStrace time.Duration
	for i := 0; b.Loop(); i++ {
		for k := range 4 {
			switch (i + k) % 4 {
			case 0:
				tUn += timed(workload...)
			case 1:
				tEBPF += timed(sample("ebpf")...)
			case 2:
				tDetect += timed(detect...)
			case 3:
				tStrace += timed(sample("strace")...)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(tUn.Seconds()/n, "untraced-s")
	b.ReportMetric(tEBPF.Seconds()/n, "ebpf-s")
	b.ReportMetric(tDetect.Seconds()/n, "detect-ebpf-s")
	b.ReportMetric(tStrace.Seconds()/n, "strace-s")
	b.ReportMetric(tEBPF.Seconds()/tUn.Seconds(), "ebpf-x")
	b.ReportMetric(tDetect.Seconds()/tUn.Seconds(), "detect-ebpf-x")
	b.ReportMetric(tStrace.Seconds()/tUn.Seconds(), "strace-x")
}

// BenchmarkTracerFixtures measures the features of the 28 benign fixtures
// traced with --tracer ebpf against --tracer strace, alternating.
func BenchmarkTracerFixtures(b *testing.B) {
	if os.Getuid() != 0 {
		b.Skip("needs root to load BPF programs")
	}
	if _, err := exec.LookPath("strace"); err != nil {
		b.Skip("strace is not installed")
	}
	var tE, tS time.Duration
	for i := 0; b.Loop(); i++ {
		for k := range 2 {
			tracer := []string{"ebpf", "strace"}[(i+k)%2]
			start := time.Now()
			if out, err := exec.Command(binary, "features", "--tracer", tracer, "fixtures/benign").CombinedOutput(); err != nil {
				b.Fatalf("%v %s", err, out)
			}
			if tracer == "ebpf" {
				tE += time.Since(start)
			} else {
				tS += time.Since(start)
			}
		}
	}
	b.ReportMetric(tE.Seconds()/float64(b.N), "ebpf-s")
	b.ReportMetric(tS.Seconds()/float64(b.N), "strace-s")
	b.ReportMetric(tE.Seconds()/tS.Seconds(), "ebpf/strace")
}
