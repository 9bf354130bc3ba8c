package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"detector/monitor"
	"detector/rules"
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

// costFiles is the workload of BenchmarkMonitorCost: find /usr/share -type
// f | head -30000 | xargs cat.
const costFiles = 30000

// BenchmarkMonitorCost measures what watching the host costs ordinary
// work: find /usr/share -type f | head -30000 | xargs cat, side by side in
// one run, untraced, under the ebpf source at its default settings (the
// default rules, run in this process so that -cpuprofile shows where its
// time goes) and under auditd with the usual HIDS rules (-S
// execve,openat,connect), in turning order after a warm-up. Metrics: each
// side's seconds per run, the ratios to untraced, and the monitor's own
// CPU time (user and system, this process's) as a share of the
// workload's (its processes'; the BPF programs run in them and count
// there), the workload's own CPU time untraced and monitored (what the
// probes add to it), and, as the monitor watches the whole host, its CPU time
// during an idle period right before the workload (as long as the
// warm-up run took; scaled to the workload's wall time), in the same
// unit: the difference is what the workload costs it. The idle period
// comes first so that it holds none of the workload's events still being
// judged. The auditd side is left out, with a message, where auditctl is
// missing or the kernel refuses audit; the benchmark starts auditd when it
// is not running and stops it after, and removes its rules.
func BenchmarkMonitorCost(b *testing.B) {
	if os.Getuid() != 0 {
		b.Skip("needs root to load BPF programs")
	}
	workload := []string{"/bin/sh", "-c", fmt.Sprintf("find /usr/share -type f -print0 2>/dev/null | head -z -n %d | xargs -0 cat >/dev/null 2>&1; true", costFiles)}
	work := func() (wall, cpu time.Duration) {
		start := time.Now()
		cmd := exec.Command(workload[0], workload[1:]...)
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		wall = time.Since(start)
		return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	set, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	logFile := filepath.Join(b.TempDir(), "log.jsonl")
	alog, err := rules.OpenAlertLog(logFile, rules.LogOptions{Tool: "detector", Cooldown: rules.DefaultCooldown})
	if err != nil {
		b.Fatal(err)
	}
	defer alog.Close()
	cfg := monitor.Config{Rules: set, Packages: rules.NewPackageDB(""), Log: alog, ScoreEvery: 30 * time.Second, MinCalls: 200, Source: "ebpf",
		Warn: func(string, ...any) {}}
	var monCPU, idleScaled, workMonCPU time.Duration
	var idle time.Duration // the idle period: the warm-up run's wall time
	monitored := func() time.Duration {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- monitor.RunEBPF(ctx, cfg, monitor.EBPFOptions{RingSize: 8 << 20, Ready: func() { close(ready) }})
		}()
		select {
		case <-ready:
		case err := <-done:
			b.Fatalf("monitor: %v", err)
		}
		exec.Command("/bin/true").Run() // the first exec loads the package lists
		// The monitor watches the whole host: an idle period tells what
		// the rest of the host costs it.
		before := selfCPU()
		time.Sleep(idle)
		idleCPU := selfCPU() - before
		before = selfCPU()
		wall, cpu := work()
		monCPU += selfCPU() - before
		workMonCPU += cpu
		idleScaled += time.Duration(float64(idleCPU) * wall.Seconds() / idle.Seconds())
		cancel()
		if err := <-done; err != nil {
			b.Fatalf("monitor: %v", err)
		}
		return wall
	}
	au, err := startAudit()
	if err != nil {
		b.Logf("auditd side left out: %v", err)
	} else {
		defer func() {
			if err := au.stop(); err != nil {
				b.Error(err)
			}
		}()
	}
	audited := func() time.Duration {
		if err := au.addRules(); err != nil {
			b.Fatal(err)
		}
		wall, _ := work()
		if err := au.deleteRules(); err != nil {
			b.Fatal(err)
		}
		return wall
	}
	idle, _ = work() // the page cache holds the files from now on
	var tUn, tMon, tAudit, unCPU time.Duration
	for i := 0; b.Loop(); i++ {
		for k := range 3 {
			switch (i + k) % 3 {
			case 0:
				d, cpu := work()
				tUn += d
				unCPU += cpu
			case 1:
				tMon += monitored()
			case 2:
				if au != nil {
					tAudit += audited()
				}
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(tUn.Seconds()/n, "untraced-s")
	b.ReportMetric(tMon.Seconds()/n, "monitor-ebpf-s")
	b.ReportMetric(tMon.Seconds()/tUn.Seconds(), "monitor-x")
	b.ReportMetric(100*monCPU.Seconds()/workMonCPU.Seconds(), "monitor-cpu-%")
	b.ReportMetric(100*idleScaled.Seconds()/workMonCPU.Seconds(), "monitor-idle-cpu-%")
	// The workload's own CPU time, where the probes run: what they add
	// to it, less swayed by the host's load than the wall time.
	b.ReportMetric(unCPU.Seconds()/n, "untraced-cpu-s")
	b.ReportMetric(workMonCPU.Seconds()/n, "monitor-work-cpu-s")
	b.ReportMetric(workMonCPU.Seconds()/unCPU.Seconds(), "monitor-cpu-x")
	if au != nil {
		b.ReportMetric(tAudit.Seconds()/n, "auditd-s")
		b.ReportMetric(tAudit.Seconds()/tUn.Seconds(), "auditd-x")
	}
	if recs := readFile(logFile); strings.Contains(recs, `"kind":"drop"`) {
		b.Logf("the monitor lost events (other work on the host may be the cause): %d drop records", strings.Count(recs, `"kind":"drop"`))
	}
}

// selfCPU is this process's CPU time so far, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// audit is the auditd side of BenchmarkMonitorCost: what it changed, to
// undo.
type audit struct {
	auditctl   string
	started    int  // the pid of the auditd it started, or 0
	wasEnabled bool // auditing was on before
	rule       []string
}

// startAudit makes auditing ready: auditd running (started when it is
// not), auditing enabled.
func startAudit() (*audit, error) {
	ctl, err := exec.LookPath("auditctl")
	if err != nil {
		return nil, fmt.Errorf("auditctl is not installed (apt-get install auditd)")
	}
	a := &audit{auditctl: ctl, rule: []string{"always,exit", "-F", "arch=b64", "-S", "execve,openat,connect", "-k", "detector-bench-" + strconv.Itoa(os.Getpid())}}
	status := func() (enabled bool, pid int, err error) {
		out, err := exec.Command(ctl, "-s").CombinedOutput()
		if err != nil {
			return false, 0, fmt.Errorf("auditctl -s: %v: %s", err, strings.TrimSpace(string(out)))
		}
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Fields(l)
			if len(f) == 2 && f[0] == "enabled" {
				enabled = f[1] != "0"
			}
			if len(f) == 2 && f[0] == "pid" {
				pid, _ = strconv.Atoi(f[1])
			}
		}
		return enabled, pid, nil
	}
	enabled, pid, err := status()
	if err != nil {
		return nil, err
	}
	a.wasEnabled = enabled
	if pid == 0 {
		d, err := exec.LookPath("auditd")
		if err != nil {
			return nil, fmt.Errorf("auditd is not installed (apt-get install auditd)")
		}
		if out, err := exec.Command(d).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("start auditd: %v: %s", err, strings.TrimSpace(string(out)))
		}
		deadline := time.Now().Add(30 * time.Second)
		for pid == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			if _, pid, err = status(); err != nil {
				return nil, err
			}
		}
		if pid == 0 {
			return nil, fmt.Errorf("auditd did not register with the kernel within 30 s")
		}
		a.started = pid
	}
	if !enabled {
		if out, err := exec.Command(ctl, "-e", "1").CombinedOutput(); err != nil {
			a.stop()
			return nil, fmt.Errorf("auditctl -e 1: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	return a, nil
}

func (a *audit) addRules() error {
	if out, err := exec.Command(a.auditctl, append([]string{"-a"}, a.rule...)...).CombinedOutput(); err != nil {
		return fmt.Errorf("auditctl -a: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (a *audit) deleteRules() error {
	if out, err := exec.Command(a.auditctl, append([]string{"-d"}, a.rule...)...).CombinedOutput(); err != nil {
		return fmt.Errorf("auditctl -d: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// stop undoes startAudit: auditing off again if it was, the auditd it
// started ended (waited on until gone).
func (a *audit) stop() error {
	var errs []error
	if !a.wasEnabled {
		if out, err := exec.Command(a.auditctl, "-e", "0").CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("auditctl -e 0: %v: %s", err, strings.TrimSpace(string(out))))
		}
	}
	if a.started > 0 {
		syscall.Kill(a.started, syscall.SIGTERM)
		deadline := time.Now().Add(30 * time.Second)
		for syscall.Kill(a.started, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if syscall.Kill(a.started, 0) == nil {
			errs = append(errs, fmt.Errorf("auditd (pid %d) did not stop within 30 s", a.started))
		}
	}
	return errors.Join(errs...)
}
