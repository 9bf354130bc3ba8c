package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// learnWork is a little repeated work for monitor --learn to learn from
// (cat and ls, each in many of the learning's periods of 100 ms).
const learnWork = "for i in $(seq 15); do cat /etc/hostname; ls /usr; sleep 0.1; done >/dev/null"

// monitor --learn learns a traced tree's programs and writes a profile
// model that says it was learned on this host; monitor --model then
// reports what the learned programs never did as profile findings in its
// records, and says nothing of the model's origin; --learn again adds to
// the model.
func TestMonitorLearn(t *testing.T) {
	needStrace(t)
	m := filepath.Join(t.TempDir(), "host.gob")
	r := run(t, nil, "monitor", "--learn", "20s", "--model", m, "--rules", "off", "--", "sh", "-c", learnWork)
	if r.code != 0 || !strings.Contains(r.stderr, "detector: monitor: learned ") || !strings.Contains(r.stderr, "model written to "+m) {
		t.Fatalf("learn: %d %s", r.code, r.stderr)
	}
	if r := run(t, nil, "inspect", "--model", m); !strings.Contains(r.stdout, "learned on host") || !strings.Contains(r.stdout, "profile") {
		t.Errorf("inspect does not say where the model was learned:\n%s", r.stdout)
	}
	r = run(t, nil, "monitor", "--model", m, "--rules", "off", "--", "sh", "-c", "cat /etc/hostname /etc/shadow >/dev/null")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("monitor: %d %s", r.code, r.stderr)
	}
	found := false
	for _, rec := range logRecords(t, r.stdout) {
		p, _ := rec["process"].(map[string]any)
		if rec["kind"] == "model" && rec["rule"] == "profile-new-file" && rec["severity"] == "WARNING" && rec["algorithm"] == "profile" &&
			strings.Contains(rec["message"].(string), "/etc/shadow") && p != nil && p["exe"] == "/usr/bin/cat" {
			found = true
		}
	}
	if !found {
		t.Errorf("no WARNING profile-new-file record for cat reading /etc/shadow:\n%s", r.stdout)
	}
	r = run(t, nil, "monitor", "--learn", "1s", "--model", m, "--rules", "off", "--", "sh", "-c", "cat /etc/hostname; sleep 0.3; cat /etc/hostname")
	if r.code != 0 || !strings.Contains(r.stderr, "added to the model") {
		t.Errorf("learn again: %d %s", r.code, r.stderr)
	}
	// detect with a host-learned model says it was learned on a host.
	r = run(t, nil, "detect", "--model", m, "--input", "strace", "--rules", "off", "--fail-on", "never", "fixtures/traces/simple.trace")
	if !strings.Contains(r.stderr, "detector: warning: the model "+m+" was learned on host ") || !strings.Contains(r.stderr, "detector: hint: ") {
		t.Errorf("detect with a host-learned model does not warn:\n%s", r.stderr)
	}
}

// A model trained on sandboxed runs (here strace logs) is for sandboxed
// runs: monitor warns, once, with what to do.
func TestMonitorSandboxModelWarns(t *testing.T) {
	needStrace(t)
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--model", m, "--input", "strace", "fixtures/traces/simple.trace", "fixtures/traces/pipeline.trace", "fixtures/traces/stderr.trace", "testdata/behaviour/quiet.strace"); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	r := run(t, nil, "monitor", "--model", m, "--rules", "off", "--", "true")
	if r.code != 0 || strings.Count(r.stderr, "detector: warning: ") != 1 || !strings.Contains(r.stderr, "not learned on this host") ||
		!strings.Contains(r.stderr, "detector: hint: learn the host's own: detector monitor --learn") {
		t.Errorf("monitor with a sandbox model: %d\n%s", r.code, r.stderr)
	}
}

// Bad --learn input is refused before anything is watched, and the file
// named is left as it was: not a regular file, not a model, a model not
// learned on a host.
func TestMonitorLearnBadInput(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "host.gob")
	wantError(t, run(t, nil, "monitor", "--learn", "0s", "--model", m), "--learn must be positive")
	wantError(t, run(t, nil, "monitor", "--learn", "1h", "--duration", "1h", "--model", m), "--learn and --duration")
	wantError(t, run(t, nil, "monitor", "--learn", "1h"), "--learn writes one model")
	wantError(t, run(t, nil, "monitor", "--learn", "1h", "--model", m, "--model", m+"2"), "--learn writes one model")
	wantError(t, run(t, nil, "monitor", "--learn", "1h", "--model", m, "--source", "proc"), "proc source")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	wantError(t, run(t, nil, "monitor", "--learn", "1h", "--model", fifo, "--", "true"), fifo)
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi, err)
	}
	notModel := filepath.Join(dir, "notes.txt")
	os.WriteFile(notModel, []byte("notes\n"), 0o644)
	wantError(t, run(t, nil, "monitor", "--learn", "1h", "--model", notModel, "--", "true"), "not a detector model")
	if b, _ := os.ReadFile(notModel); string(b) != "notes\n" {
		t.Errorf("a file that is not a model was changed: %q", b)
	}
	csvM, _ := csvModel(t)
	wantError(t, run(t, nil, "monitor", "--learn", "1h", "--model", csvM, "--", "true"), "was not learned on a host")
	if _, err := os.Stat(m); err == nil {
		t.Errorf("a refused --learn wrote %s", m)
	}
}

var hostLearning = flag.Bool("host-learning", false, "TestMonitorHostLearning runs bench/host/run.sh with 30 s of learning and 30 s of judging (about 2 minutes)")

// Monitor with a host-learned model, in short (bench/host/run.sh with
// LEARN=30 JUDGE=30; the README's figures are of its 10-minute run): the
// workload's ordinary work after learning has at most 2 WARNING+ profile
// findings, and the three host actions (a /tmp binary run, a read of
// /etc/shadow, a cron.d write) are each WARNING+. The behaviour rules'
// records of the workload are logged, not judged here.
func TestMonitorHostLearning(t *testing.T) {
	if !*hostLearning {
		t.Skip("runs for about 2 minutes: run with -host-learning")
	}
	needEBPF(t)
	for _, p := range []string{"go", "git", "python3", "tar", "apt-cache"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("the workload needs %s", p)
		}
	}
	cmd := exec.Command("sh", "bench/host/run.sh", binary)
	cmd.Env = append(os.Environ(), "LEARN=30", "JUDGE=30")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("run.sh: %v", err)
	}
	text := string(out)
	var profile int
	if _, err := fmt.Sscanf(text[strings.Index(text, "of which profile findings"):], "of which profile findings (kind model): %d", &profile); err != nil {
		t.Fatalf("no profile figure: %v", err)
	}
	if profile > 2 {
		t.Errorf("%d WARNING+ profile findings on ordinary work, want at most 2", profile)
	}
	for _, action := range []string{"/tmp binary run", "/etc/shadow read", "cron.d write"} {
		if !regexp.MustCompile(regexp.QuoteMeta(action) + ` +WARNING\+`).MatchString(text) {
			t.Errorf("%s is not WARNING+", action)
		}
	}
}

// SIGTERM ends learning early: the monitor says so, writes what it
// learned and exits 0. The traced loop marks its tenth round in a file, so
// that cat has ended in several of the learning's periods
// (of 500 ms) whatever the machine's load when the signal comes.
func TestMonitorLearnSignal(t *testing.T) {
	needStrace(t)
	dir := t.TempDir()
	m, mark := filepath.Join(dir, "host.gob"), filepath.Join(dir, "mark")
	cmd := exec.Command(binary, "monitor", "--learn", "60s", "--model", m, "--rules", "off", "--",
		"sh", "-c", "i=0; while true; do i=$((i+1)); cat /etc/hostname >/dev/null; sleep 0.1; [ $i = 10 ] && : >"+mark+"; done")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(monitorHang); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(mark); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the traced loop did not reach its tenth round: %s", errb.String())
		}
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
	if cmd.ProcessState.ExitCode() != 0 || !strings.Contains(errb.String(), "learning stopped by a signal after ") ||
		!strings.Contains(errb.String(), "model written to "+m) {
		t.Fatalf("exit %d, stderr %s", cmd.ProcessState.ExitCode(), errb.String())
	}
	if r := run(t, nil, "inspect", "--model", m); r.code != 0 || !strings.Contains(r.stdout, "learned on host") {
		t.Errorf("the model written at the signal: %d %s", r.code, r.stderr)
	}
}
