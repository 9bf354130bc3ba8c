package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// logRecords parses the alert log lines of a monitor run.
func logRecords(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		if _, err := time.Parse(time.RFC3339Nano, r["timestamp"].(string)); err != nil {
			t.Errorf("timestamp: %v", err)
		}
		recs = append(recs, r)
	}
	return recs
}

// alive reports whether pid is a process that has not exited (a zombie
// waiting for its parent has).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func hasRecord(recs []map[string]any, kind, rule string) map[string]any {
	for _, r := range recs {
		if r["kind"] == kind && (rule == "" || r["rule"] == rule) {
			return r
		}
	}
	return nil
}

// monitor -- CMD traces a trusted command on the host: the reverse shell
// fixture (loopback only) alerts in real time, the log says the source
// sees system calls, the command's exit status is detector's.
func TestMonitorStraceCommand(t *testing.T) {
	needStrace(t)
	r := run(t, nil, "monitor", "--", "sh", "fixtures/suspicious/reverse_shell_perl.sh")
	if r.code != 0 {
		t.Fatalf("monitor: %d %s", r.code, r.stderr)
	}
	recs := logRecords(t, r.stdout)
	a := hasRecord(recs, "alert", "reverse-shell")
	if a == nil || a["severity"] != "ALERT" || a["source"] != "strace" || a["syscalls"] != true ||
		a["sample"] != "sh fixtures/suspicious/reverse_shell_perl.sh" {
		t.Errorf("no reverse-shell ALERT from the strace source:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "detector: monitor: source strace") {
		t.Errorf("auto does not say which source it picked: %s", r.stderr)
	}
	r = run(t, nil, "monitor", "--rules", "off", "--", "sh", "-c", "exit 3")
	if r.code != 3 || r.stdout != "" {
		t.Errorf("exit status %d, want the command's 3; log %q", r.code, r.stdout)
	}
}

// A model scores each process of the tree when it exits, and the tree as
// a whole when it ends: the port scan fixture, far from what ordinary
// commands do, gets "model" records for its programs and one without a
// process for the job.
func TestMonitorModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model of the fixtures to score the monitor by; the first pass runs it; skipped with -short")
	}
	needStrace(t)
	// LOF scores call counts, per program and per job (a profile model,
	// the default, logs its findings per program instead: see
	// TestMonitorEBPFProfile and the learning tests).
	m, _ := commandsModel(t, "", "lof")
	r := run(t, nil, "monitor", "--rules", "off", "--model", m, "--min-calls", "50", "--", "sh", "fixtures/suspicious/port_scan.sh")
	if r.code != 0 {
		t.Fatalf("monitor: %d %s", r.code, r.stderr)
	}
	var programs, jobs int
	for _, rec := range logRecords(t, r.stdout) {
		if rec["kind"] != "model" {
			continue
		}
		if rec["verdict"] != "anomalous" || rec["algorithm"] != "lof" || rec["score"].(float64) >= 0 || rec["sample"] != "sh fixtures/suspicious/port_scan.sh" {
			t.Errorf("model record %v", rec)
		}
		if rec["process"] == nil {
			jobs++
		} else {
			programs++
		}
	}
	if programs == 0 || jobs != 1 {
		t.Fatalf("%d anomalous program records, %d job records (want some and 1):\n%s", programs, jobs, r.stdout)
	}
	// A model of feature tables is refused.
	csvM, _ := csvModel(t)
	wantError(t, run(t, nil, "monitor", "--model", csvM, "--", "true"), "trained on csv input")
}

// --pid attaches to a running process, sees what it does from then on,
// and leaves it running when monitoring stops: --duration ends the run.
// The process reads /etc/shadow every fifth of a second, so the monitor
// sees a read however long strace takes to attach.
func TestMonitorPid(t *testing.T) {
	needStrace(t)
	if os.Getuid() != 0 {
		t.Skip("needs root: reads /etc/shadow and attaches with ptrace")
	}
	cmd := exec.Command("sh", "-c", "while :; do cat /etc/shadow >/dev/null; sleep 0.2; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// Should --duration not end the monitor, the process ends after a
	// while, and with it the monitor: the test fails instead of hanging.
	hang := time.AfterFunc(monitorHang, func() { cmd.Process.Kill() })
	r := run(t, nil, "monitor", "--pid", strconv.Itoa(cmd.Process.Pid), "--duration", "5s")
	hang.Stop()
	if r.code != 0 {
		t.Errorf("monitor --duration: exit %d, %s", r.code, r.stderr)
	}
	a := hasRecord(logRecords(t, r.stdout), "alert", "read-shadow")
	if a == nil || a["sample"] != "pid "+strconv.Itoa(cmd.Process.Pid) {
		t.Errorf("no read-shadow alert within the run:\n%s", r.stdout)
	}
	if !alive(cmd.Process.Pid) {
		t.Errorf("the attached process did not survive the monitor")
	}
}

// SIGTERM ends monitoring cleanly: the log is flushed, the command the
// monitor started is killed with its children, detector exits 0.
func TestMonitorSignal(t *testing.T) {
	needStrace(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	cmd := exec.Command(binary, "monitor", "--rules", "off", "--", "sh", "-c", "sleep 60 & echo $! >"+pidFile+"; wait")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(monitorHang); child == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		b, _ := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if child == 0 {
		cmd.Process.Kill()
		t.Fatal("the traced command did not start")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(monitorHang):
		cmd.Process.Kill()
		t.Fatalf("monitor did not stop within %v of SIGTERM", monitorHang)
	}
	if cmd.ProcessState.ExitCode() != 0 || !strings.Contains(errb.String(), "stopped by a signal; log flushed") {
		t.Errorf("exit %d, stderr %s", cmd.ProcessState.ExitCode(), errb.String())
	}
	if alive(child) {
		syscall.Kill(child, syscall.SIGKILL)
		t.Errorf("the traced command's child %d outlived the monitor", child)
	}
}

// The proc source needs no privilege: as an unprivileged user it sees that
// user's program started from /tmp and its listener on 0.0.0.0, and says
// it sees no system calls.
func TestMonitorProcUnprivileged(t *testing.T) {
	if _, err := os.Stat("/proc/self/exe"); err != nil {
		t.Skip("no /proc")
	}
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	dir, err := os.MkdirTemp("/tmp", "detector-proc-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	sleepy := filepath.Join(dir, "sleepy")
	b, err := os.ReadFile("/bin/sleep")
	if err != nil {
		t.Skip("no /bin/sleep to copy")
	}
	if err := os.WriteFile(sleepy, b, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "detector")
	if b, err := os.ReadFile(binary); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatal("copy detector")
	}
	var cred *syscall.SysProcAttr
	if os.Getuid() == 0 {
		cred = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: true}}
	}
	start := func(args ...string) *exec.Cmd {
		c := exec.Command(args[0], args[1:]...)
		c.SysProcAttr = cred
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	sl := start(sleepy, "600")
	port := 20000 + os.Getpid()%20000
	listener := exec.Command(perl, "-MSocket", "-e", `socket(S,PF_INET,SOCK_STREAM,0) or die; setsockopt(S,SOL_SOCKET,SO_REUSEADDR,1); bind(S,pack_sockaddr_in(`+strconv.Itoa(port)+`,INADDR_ANY)) or die; listen(S,1) or die; $|=1; print "listening\n"; sleep 600`)
	listener.SysProcAttr = cred
	said, err := listener.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := listener.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Process.Kill(); listener.Wait() })
	// The monitor's first poll reads the table at once: the listener
	// listens and the copy of sleep runs before it starts.
	if l, err := bufio.NewReader(said).ReadString('\n'); l != "listening\n" {
		t.Fatalf("listener: %q, %v", l, err)
	}
	for deadline := time.Now().Add(monitorHang); ; time.Sleep(20 * time.Millisecond) {
		if exe, _ := os.Readlink("/proc/" + strconv.Itoa(sl.Process.Pid) + "/exe"); exe == sleepy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start within %v", sleepy, monitorHang)
		}
	}
	mon := exec.Command(bin, "monitor", "--source", "proc", "--duration", "1500ms", "--allow", "testdata/monitor/allow-unowned.yaml")
	mon.SysProcAttr = cred
	mon.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	var out, errb bytes.Buffer
	mon.Stdout, mon.Stderr = &out, &errb
	mon.Run()
	if mon.ProcessState.ExitCode() != 0 {
		t.Fatalf("monitor --source proc: exit %d: %s", mon.ProcessState.ExitCode(), errb.String())
	}
	recs := logRecords(t, out.String())
	var sawExe, sawListen bool
	for _, r := range recs {
		if r["source"] != "proc" || r["syscalls"] != false {
			t.Errorf("record without source proc and syscalls false: %v", r)
		}
		p, _ := r["process"].(map[string]any)
		switch {
		case r["rule"] == "exec-temp-dir" && p["exe"] == sleepy:
			sawExe = true
		case r["rule"] == "listen-socket" && strings.Contains(r["evidence"].([]any)[0].(map[string]any)["syscall"].(string), "0.0.0.0:"+strconv.Itoa(port)):
			sawListen = true
		case r["rule"] == "exec-unowned":
			t.Errorf("allow-listed rule logged: %v", r)
		}
	}
	if !sawExe || !sawListen {
		t.Errorf("the proc source missed the /tmp program (%v) or the listener (%v):\n%s", sawExe, sawListen, out.String())
	}
}

// Bad monitor input: one line, exit 2.
func TestMonitorBadInput(t *testing.T) {
	wantError(t, run(t, nil, "monitor", "--source", "radio"), `unknown source "radio"`)
	wantError(t, run(t, nil, "monitor", "--pid", "1", "--", "true"), "--pid and a command")
	wantError(t, run(t, nil, "monitor", "--source", "strace"), "--source strace traces a process tree")
	wantError(t, run(t, nil, "monitor", "--source", "proc", "--", "true"), "--source proc watches every process")
	wantError(t, run(t, nil, "monitor", "--pid", "999999999"), "no such process")
	wantError(t, run(t, nil, "monitor", "--score-every", "0s", "--", "true"), "--score-every must be positive")
	wantError(t, run(t, nil, "monitor", "--duration", "5", "--", "true"), "--duration")
	wantError(t, run(t, nil, "monitor", "--min-calls", "0", "--", "true"), "--min-calls")
	wantError(t, run(t, nil, "monitor", "--model", "/nonexistent/m.gob", "--", "true"), "no model")
	wantError(t, run(t, nil, "monitor", "stray"), "unexpected argument")
}
