package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"detector/bpftrace"
)

// needEBPF skips unless the eBPF tracer loads here (root, BPF, BTF).
func needEBPF(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
	tr, err := bpftrace.Open(bpftrace.Config{})
	if err != nil {
		t.Skipf("the eBPF tracer cannot load here: %v", err)
	}
	tr.Close()
}

// bpfIDs lists the kernel's BPF program, map and link ids.
func bpfIDs(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for id, err := ebpf.ProgramGetNextID(0); err == nil; id, err = ebpf.ProgramGetNextID(id) {
		ids["prog "+strconv.Itoa(int(id))] = true
	}
	for id, err := ebpf.MapGetNextID(0); err == nil; id, err = ebpf.MapGetNextID(id) {
		ids["map "+strconv.Itoa(int(id))] = true
	}
	it := new(link.Iterator)
	for it.Next() {
		ids["link "+strconv.Itoa(int(it.ID))] = true
		it.Take().Close()
	}
	return ids
}

// waitNoLeftover fails the test when BPF programs, maps or links that
// were not there before are still there once detector has ended. The
// kernel frees a closed program or map after a grace period: they get
// monitorHang. Only ids there when detector ended are suspects, so that
// tracers other tests load later do not count (tracers they opened while
// detector ran close in time).
func waitNoLeftover(t *testing.T, before map[string]bool) {
	t.Helper()
	suspects := map[string]bool{}
	for id := range bpfIDs(t) {
		if !before[id] {
			suspects[id] = true
		}
	}
	var left []string
	for deadline := time.Now().Add(monitorHang); time.Now().Before(deadline); {
		now := bpfIDs(t)
		left = left[:0]
		for id := range suspects {
			if now[id] {
				left = append(left, id)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("left after detector ended: %v", left)
}

// monitorHang bounds the waits of the monitor tests: a hang check, not a
// timing assertion (a loaded machine takes seconds to load probes, to
// drain the ring and to flush the log).
const monitorHang = 2 * time.Minute

// startMonitor starts detector monitor with args and waits until its
// probes are attached; stop sends SIGTERM and returns the log and stderr.
// The monitor drains what its ring holds before it exits, so every event
// of a process that ended before stop is judged and logged.
func startMonitor(t *testing.T, args ...string) (stop func() (log, stderr string, code int)) {
	t.Helper()
	return startMonitorLog(t, filepath.Join(t.TempDir(), "log.jsonl"), args...)
}

// startMonitorLog is startMonitor writing its log to logFile.
func startMonitorLog(t *testing.T, logFile string, args ...string) (stop func() (log, stderr string, code int)) {
	t.Helper()
	cmd := exec.Command(binary, append(append([]string{"monitor"}, args...), "--log", logFile)...)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir())
	errPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	attached := make(chan bool, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(errPipe)
		seen := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !seen && strings.Contains(sc.Text(), "probes attached") {
				seen = true
				attached <- true
			}
		}
		if !seen {
			attached <- false
		}
		io.Copy(io.Discard, errPipe)
	}()
	select {
	case ok := <-attached:
		if !ok {
			cmd.Wait()
			<-copied
			t.Fatalf("monitor did not start: %s", stderr.String())
		}
	case <-time.After(monitorHang):
		cmd.Process.Kill()
		t.Fatalf("monitor did not attach its probes within %v", monitorHang)
	}
	return func() (string, string, int) {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(monitorHang):
			cmd.Process.Kill()
			t.Errorf("monitor did not stop within %v of SIGTERM", monitorHang)
			<-done
		}
		<-copied
		b, _ := os.ReadFile(logFile)
		return string(b), stderr.String(), cmd.ProcessState.ExitCode()
	}
}

// awaitRecords reads the log file until have says it holds what the test
// waits for, or monitorHang passes; it returns the log as last read.
func awaitRecords(t *testing.T, logFile string, have func(log string) bool) string {
	t.Helper()
	for deadline := time.Now().Add(monitorHang); ; {
		b, _ := os.ReadFile(logFile)
		if have(string(b)) || time.Now().After(deadline) {
			return string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The ebpf source counts a process's calls exactly in the kernel: a
// helper making 10,000 getppid calls gets a process record saying so. No
// BPF program, map or link of detector's is left after the run.
func TestMonitorEBPFCountsExactly(t *testing.T) {
	needEBPF(t)
	before := bpfIDs(t)
	stop := startMonitor(t, "--source", "ebpf", "--rules", "off", "--processes")
	helper := exec.Command(os.Args[0])
	helper.Env = append(os.Environ(), "DETECTOR_TEST_HELPER=getppid")
	if out, err := helper.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v %s", err, out)
	}
	// No wait: the helper's exit is in the ring, which SIGTERM drains.
	log, stderr, code := stop()
	if code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, stderr)
	}
	var rec map[string]any
	for _, r := range logRecords(t, log) {
		if p, _ := r["process"].(map[string]any); r["kind"] == "process" && p != nil && int(p["pid"].(float64)) == helper.Process.Pid {
			rec = r
		}
	}
	if rec == nil {
		t.Fatalf("no process record of the helper (pid %d) in %d bytes of log", helper.Process.Pid, len(log))
	}
	if n := rec["counts"].(map[string]any)["getppid"]; n != 10000.0 {
		t.Errorf("getppid counted %v times, want 10000", n)
	}
	if rec["source"] != "ebpf" || rec["syscalls"] != true {
		t.Errorf("record %v", rec)
	}
	waitNoLeftover(t, before)
}

// The rules fire on the host while it runs, as a harmless fixture does
// what they look for: an exec from /tmp of a copy of true, a read of
// /etc/shadow, a listener and a connect on loopback wiring a shell to the
// socket. Each alert is in the log before the monitor is stopped.
func TestMonitorEBPFRules(t *testing.T) {
	needEBPF(t)
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed")
	}
	ruleIDs := []string{"exec-temp-dir", "read-shadow", "listen-socket", "stdio-socket", "reverse-shell"}
	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	stop := startMonitorLog(t, logFile, "--source", "ebpf")
	dir, err := os.MkdirTemp("/tmp", "detector-ebpf-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tru := filepath.Join(dir, "true")
	b, _ := os.ReadFile("/bin/true")
	os.WriteFile(tru, b, 0o755)
	start := time.Now()
	exec.Command(tru).Run()
	exec.Command("cat", "/etc/shadow").Run()
	// A listener and a connect on loopback: the reverse-shell fixture
	// (harmless: loopback only, its own temporary folder).
	if out, err := exec.Command("sh", "fixtures/suspicious/reverse_shell_perl.sh").CombinedOutput(); err != nil {
		t.Fatalf("reverse_shell_perl.sh: %v\n%s", err, out)
	}
	live := awaitRecords(t, logFile, func(log string) bool {
		for _, rule := range ruleIDs {
			if !strings.Contains(log, `"rule":"`+rule+`"`) {
				return false
			}
		}
		return true
	})
	elapsed := time.Since(start)
	log, stderr, code := stop()
	if code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, stderr)
	}
	recs := logRecords(t, live)
	for _, rule := range ruleIDs {
		r := hasRecord(recs, "alert", rule)
		if r == nil {
			t.Errorf("no %s alert while the monitor ran:\n%s", rule, log)
			continue
		}
		if r["source"] != "ebpf" {
			t.Errorf("%s: source %v", rule, r["source"])
		}
	}
	t.Logf("fixture and alerts took %v", elapsed)
}

// With a model, the ebpf source scores a program when it ends, by exit or
// by an exec that replaces it, and its job (here a session of its own)
// when the job ends: a perl loop of getppid calls, unlike any trained
// command, which then execs true, gets both records.
func TestMonitorEBPFJobScore(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model of the fixtures to score jobs by; the first pass runs it; skipped with -short")
	}
	needEBPF(t)
	needStrace(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	// LOF judges the calls' counts, which are all the kernel gives for a
	// loop of getppid calls (the profile detector, which judges what a
	// program touches, has TestMonitorEBPFProfile).
	m, _ := commandsModel(t, "", "lof")
	helper := exec.Command(perl, "-e", `syscall(110) for 1..10000; exec "/bin/true"`)
	log, session := monitorSession(t, helper, "--source", "ebpf", "--rules", "off", "--model", m, "--min-calls", "50")
	var program, job bool
	for _, r := range logRecords(t, log) {
		if r["kind"] != "model" || r["sample"] != session {
			continue
		}
		if r["verdict"] != "anomalous" || r["source"] != "ebpf" {
			t.Errorf("model record %v", r)
		}
		p, _ := r["process"].(map[string]any)
		program = program || p != nil && int(p["pid"].(float64)) == helper.Process.Pid && p["exe"] == perl
		job = job || r["process"] == nil
	}
	if !program || !job {
		t.Fatalf("%s: program record %v, job record %v:\n%s", session, program, job, log)
	}
}

// With a profile model (the default), the ebpf source judges a program by
// what the kernel's events say it did: cat, which read /etc/passwd in
// training, reading /etc/shadow gets a profile finding record naming the
// read, even with --rules off (the kernel sends the reads of the profile's
// sensitive paths); no record of its session says a score could not be
// computed (the monitor sees the whole host: other processes' records are
// not this test's).
func TestMonitorEBPFProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a profile model of the fixtures; the first pass runs it; skipped with -short")
	}
	needEBPF(t)
	needStrace(t)
	m, _ := commandsModel(t, "", "profile")
	helper := exec.Command("/usr/bin/cat", "/etc/shadow")
	log, session := monitorSession(t, helper, "--source", "ebpf", "--rules", "off", "--model", m, "--min-calls", "1")
	found := false
	for _, r := range logRecords(t, log) {
		if r["kind"] != "model" || r["sample"] != session {
			continue
		}
		if r["verdict"] == "error" {
			t.Errorf("a score that could not be computed: %v", r)
		}
		msg, _ := r["message"].(string)
		found = found || r["algorithm"] == "profile" && r["rule"] == "profile-new-file" && strings.Contains(msg, "cat read /etc/shadow")
	}
	if !found {
		t.Fatalf("%s: no profile-new-file record for cat's read of /etc/shadow:\n%s", session, log)
	}
}

// A ring made tiny loses events, and the log says so with drop records,
// one for the process that lost them. The opens are of a hidden file,
// which the kernel's filter always sends.
func TestMonitorEBPFDrops(t *testing.T) {
	needEBPF(t)
	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	stop := startMonitorLog(t, logFile, "--source", "ebpf", "--rules", "off", "--ring-size", "4KiB")
	hidden := filepath.Join(t.TempDir(), ".hidden")
	if err := os.WriteFile(hidden, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A burst of opens (each an event: opens for writing cross the
	// kernel's filter, which keeps read-only ones no rule reads) fills a 4
	// KiB ring at once.
	for i := 0; i < 3000; i++ {
		if f, err := os.OpenFile(hidden, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
	}
	// The monitor reads the losses every second: wait for this process's
	// record (on a busy machine other processes' come too, and first).
	ownDrop := func(log string) map[string]any {
		for _, r := range logRecords(t, log) {
			p, _ := r["process"].(map[string]any)
			if pid, _ := p["pid"].(float64); r["kind"] == "drop" && int(pid) == os.Getpid() {
				return r
			}
		}
		return nil
	}
	deadline := time.Now().Add(time.Minute)
	for ownDrop(string(completeLines(logFile))) == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	log, stderr, code := stop()
	if code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, stderr)
	}
	own := ownDrop(log)
	if own == nil || own["lost"].(float64) < 1 || own["source"] != "ebpf" {
		t.Errorf("no drop record for the test's process (pid %d):\n%s", os.Getpid(), log)
	}
	wantError(t, run(t, nil, "monitor", "--source", "ebpf", "--ring-size", "3000"), "--ring-size")
}

// markAndWait runs a copy of true from a new folder of /tmp (an
// exec-temp-dir alert naming it) and waits, up to a minute, until the
// monitor writing logFile has logged it: by then it has judged every
// event the kernel sent before.
func markAndWait(t *testing.T, logFile string) {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "detector-mark-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	mark := filepath.Join(dir, "mark")
	b, _ := os.ReadFile("/bin/true")
	if err := os.WriteFile(mark, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(mark).Run(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if b, _ := os.ReadFile(logFile); strings.Contains(string(b), mark) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the monitor did not log the exec of %s within a minute", mark)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ownRecords returns the records of the run of process pid: its own, its
// children's (the sandbox's init, which becomes strace) and theirs.
func ownRecords(recs []map[string]any, pid int) []map[string]any {
	ids := func(r map[string]any) (id, ppid int) {
		p, _ := r["process"].(map[string]any)
		if p == nil {
			return 0, 0
		}
		a, _ := p["pid"].(float64)
		b, _ := p["ppid"].(float64)
		return int(a), int(b)
	}
	run := map[int]bool{pid: true}
	for range 3 { // children, grandchildren...
		for _, r := range recs {
			if id, ppid := ids(r); id > 0 && run[ppid] {
				run[id] = true
			}
		}
	}
	var out []map[string]any
	for _, r := range recs {
		if id, ppid := ids(r); id > 0 && (run[id] || run[ppid]) {
			out = append(out, r)
		}
	}
	return out
}

// A run in detector's sandbox beside the ebpf source leaves no record:
// the kernel leaves detector's own processes and sandboxes out (their
// exec-memfd, capset and ptrace steps, as the sandbox makes them). With
// --include-self they are judged, and its steps are logged.
func TestMonitorEBPFLeavesSelfOut(t *testing.T) {
	needEBPF(t)
	needStrace(t)
	for _, include := range []bool{false, true} {
		logFile := filepath.Join(t.TempDir(), "log.jsonl")
		args := []string{"--source", "ebpf"}
		if include {
			args = append(args, "--include-self")
		}
		stop := startMonitorLog(t, logFile, args...)
		run := exec.Command(binary, "trace", "--out", filepath.Join(t.TempDir(), "t.log"), "--", "/bin/true")
		if out, err := run.CombinedOutput(); err != nil {
			stop()
			t.Fatalf("trace: %v\n%s", err, out)
		}
		markAndWait(t, logFile)
		log, stderr, code := stop()
		if code != 0 {
			t.Fatalf("monitor: exit %d: %s", code, stderr)
		}
		own := ownRecords(logRecords(t, log), run.Process.Pid)
		if include {
			var rules []string
			for _, r := range own {
				rules = append(rules, fmt.Sprint(r["rule"]))
			}
			// The records name the run's processes (the set-up's capset
			// at least; its exec-memfd and ptrace-attach when the monitor
			// learned their parent).
			if !slices.Contains(rules, "capset") {
				t.Errorf("--include-self: the sandbox's capset is not logged: %v", rules)
			}
			continue
		}
		for _, r := range own {
			t.Errorf("a record of detector's own run (pid %d): %v", run.Process.Pid, r)
		}
	}
}

func readFile(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

var ordinaryWork = flag.Bool("ordinary-work", false, "TestMonitorEBPFOrdinaryWork also runs apt-cache search python and go build ./... (minutes on a loaded machine)")

// Ordinary work loses nothing and alarms nobody: beside the ebpf source
// at its default settings, reading 30,000 files of /usr/share (find |
// xargs cat) and, with -ordinary-work, apt-cache search python and go
// build ./... of this project make no drop record and no ALERT. Each
// workload runs in a session of its own and is waited on by its end; the
// monitor by a marker it must log.
func TestMonitorEBPFOrdinaryWork(t *testing.T) {
	needEBPF(t)
	if testing.Short() {
		t.Skip("reads 30,000 files; skipped with -short")
	}
	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	stop := startMonitorLog(t, logFile, "--source", "ebpf")
	workloads := [][]string{{"sh", "-c", "find /usr/share -type f -print0 | head -z -n 30000 | xargs -0 cat >/dev/null 2>&1; true"}}
	for _, w := range [][]string{{"apt-cache", "search", "python"}, {"go", "build", "./..."}} {
		_, err := exec.LookPath(w[0])
		switch {
		case !*ordinaryWork:
			t.Logf("%s left out: run with -ordinary-work", strings.Join(w, " "))
		case err != nil:
			t.Logf("%s is not installed: %s left out", w[0], strings.Join(w, " "))
		default:
			workloads = append(workloads, w)
		}
	}
	sessions := map[string]string{}
	for _, w := range workloads {
		cmd := exec.Command(w[0], w[1:]...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if out, err := cmd.CombinedOutput(); err != nil {
			stop()
			t.Fatalf("%v: %v\n%s", w, err, out)
		}
		sessions["session "+strconv.Itoa(cmd.Process.Pid)] = strings.Join(w, " ")
	}
	markAndWait(t, logFile)
	log, stderr, code := stop()
	if code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, stderr)
	}
	for _, r := range logRecords(t, log) {
		sample, _ := r["sample"].(string)
		w, ours := sessions[sample]
		switch {
		case r["kind"] == "drop" && (ours || r["process"] == nil):
			t.Errorf("drop record (%s): %v", w, r)
		case ours && r["severity"] == "ALERT":
			t.Errorf("ALERT during %s: %v", w, r)
		}
	}
}

// monitorSession starts a monitor with args, runs helper in a session of
// its own to its end, stops the monitor (SIGTERM drains the ring: no wait
// is needed) and returns the log and the helper's session's sample name.
func monitorSession(t *testing.T, helper *exec.Cmd, args ...string) (log, session string) {
	t.Helper()
	stop := startMonitor(t, args...)
	helper.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if out, err := helper.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v %s", err, out)
	}
	log, stderr, code := stop()
	if code != 0 {
		t.Fatalf("monitor: exit %d: %s", code, stderr)
	}
	return log, "session " + strconv.Itoa(helper.Process.Pid)
}
