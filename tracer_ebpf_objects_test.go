package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"detector/rules"
)

// completeLines reads the lines a running monitor has written whole to
// its log (the last one may be half written).
func completeLines(name string) []byte {
	b, _ := os.ReadFile(name)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	return nil
}

// buildHelperC compiles bpftrace/testdata/name.c with cc and flags; the
// test skips without a C compiler.
func buildHelperC(t *testing.T, name string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skipf("skipped: no C compiler (cc) to build the %s helper: apt-get install gcc", name)
	}
	out := filepath.Join(t.TempDir(), name)
	args := append(append([]string{"-O1", "-o", out}, flags...), filepath.Join("bpftrace", "testdata", name+".c"))
	if b, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		t.Fatalf("cc %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// hasDefaultRule tells whether the default rules have rule id (some come
// with other work on the rules).
func hasDefaultRule(t *testing.T, id string) bool {
	t.Helper()
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return set.Rule(id) != nil
}

// Under --tracer ebpf the default rules judge every way a sample here
// tries /etc/shadow: open, openat, openat2, creat (a write attempt), an
// i386 open through int $0x80 (which the sandbox refuses before the call
// is entered) and a relative path after chdir; a UDP sendto to port 4444
// and a failed exec of a /tmp file without #! too. The sandbox runs
// samples as nobody: the opens fail with EACCES, and the rules judge the
// attempt.
func TestTracerEBPFEntryPoints(t *testing.T) {
	needEBPF(t)
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed")
	}
	m := trainTraces(t)
	dir := t.TempDir()
	shadow := []string{"read-shadow", "credential-read"}
	want := map[string][]string{}
	script := func(name, body string, rules ...string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		want[p] = rules
	}
	script("openat.sh", "cat /etc/shadow", shadow...)
	script("open.sh", `perl -e 'my $p = "/etc/shadow"; syscall(2, $p, 0)'`, shadow...)
	script("openat2.sh", `perl -e 'my ($p, $h) = ("/etc/shadow", pack("QQQ", 0, 0, 0)); syscall(437, -100, $p, $h, 24)'`, shadow...)
	script("creat.sh", `perl -e 'my $p = "/etc/shadow"; syscall(85, $p, 0644)'`, "system-dir-write", "persistence-write")
	script("relative.sh", "cd /etc && cat shadow", shadow...)
	script("symlink.sh", "cd \"$(mktemp -d)\" && ln -s /etc/shadow notes && cat notes", shadow...)
	script("procroot.sh", "cat /proc/self/root/etc/shadow", shadow...)
	script("cronlink.sh", "cd \"$(mktemp -d)\" && ln -s /etc e && echo '* * * * * root true' > e/cron.d/job", "persistence-write")
	// UDP to a backdoor port outside loopback: in the sandbox's own
	// network namespace, where it goes nowhere.
	script("udp.sh", `perl -e 'use Socket; socket(my $s, PF_INET, SOCK_DGRAM, 0) or die; send($s, "x", 0, pack_sockaddr_in(4444, inet_aton("10.0.0.1")))'; true`,
		"outbound-backdoor-port")
	// A /tmp file without #!: the exec fails (ENOEXEC), the shell runs it.
	script("noshebang.sh", `f=$(mktemp /tmp/x.XXXXXX); printf 'true\n' > "$f"; chmod +x "$f"; "$f"`, "exec-temp-dir")
	want[buildHelperC(t, "compat", "-static", "-no-pie")] = append(shadow, "compat-syscall")
	var samples []string
	for p := range want {
		samples = append(samples, p)
	}
	slices.Sort(samples)
	rows, r := detectJSON(t, append([]string{"--tracer", "ebpf", "--model", m}, samples...)...)
	if len(rows) != len(samples) {
		t.Fatalf("%d rows for %d samples: %s", len(rows), len(samples), r.stderr)
	}
	for _, row := range rows {
		var found []string
		ok := false
		for _, f := range row.Findings {
			found = append(found, f.Rule+" "+f.Severity)
			if slices.Contains(want[row.Sample], f.Rule) && (f.Severity == "WARNING" || f.Severity == "ALERT") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: findings %v, want a WARNING or ALERT of %v", filepath.Base(row.Sample), found, want[row.Sample])
		}
	}
	if hasDefaultRule(t, "compat-syscall") {
		for _, row := range rows {
			if !strings.HasSuffix(row.Sample, "/compat") {
				continue
			}
			named := false
			for _, f := range row.Findings {
				named = named || f.Rule == "compat-syscall"
			}
			if !named {
				t.Errorf("compat: no compat-syscall finding")
			}
		}
	}
}

// On the host, monitor --source ebpf judges what the kernel did: each
// harmless technique that reads /etc/shadow gets a WARNING+ finding for
// its own pid: openat, open, openat2, a relative path after chdir, an
// i386 open through int $0x80 from a 64-bit program, and (once the
// rule that judges it is there) io_uring's IORING_OP_OPENAT and
// IORING_OP_READ.
func TestMonitorEBPFEntryPoints(t *testing.T) {
	needEBPF(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	compat := buildHelperC(t, "compat", "-static", "-no-pie")
	uring := buildHelperC(t, "uring")
	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	stop := startMonitorLog(t, logFile, "--source", "ebpf", "--cooldown", "1ns")
	defer stop()
	type technique struct {
		name  string
		cmd   *exec.Cmd
		rules []string
	}
	shadow := []string{"read-shadow", "credential-read"}
	notes := filepath.Join(t.TempDir(), "notes")
	if err := os.Symlink("/etc/shadow", notes); err != nil {
		t.Fatal(err)
	}
	relative := exec.Command("cat", "shadow")
	relative.Dir = "/etc"
	techniques := []technique{
		{"openat", exec.Command("cat", "/etc/shadow"), shadow},
		{"open", exec.Command(perl, "-e", `my $p = "/etc/shadow"; syscall(2, $p, 0)`), shadow},
		{"openat2", exec.Command(perl, "-e", `my ($p, $h) = ("/etc/shadow", pack("QQQ", 0, 0, 0)); syscall(437, -100, $p, $h, 24)`), shadow},
		{"relative after chdir", relative, shadow},
		{"a symlink the program made", exec.Command("cat", notes), shadow},
		{"/proc/self/root", exec.Command("cat", "/proc/self/root/etc/shadow"), shadow},
		{"int $0x80 open", exec.Command(compat), append(shadow, "compat-syscall")},
	}
	if hasDefaultRule(t, "io-uring-file-ops") {
		techniques = append(techniques, technique{"io_uring", exec.Command(uring), []string{"io-uring-file-ops"}})
	}
	started := map[int]time.Time{}
	for _, tc := range techniques {
		started[len(started)] = time.Now()
		if out, err := tc.cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", tc.name, err, out)
		}
	}
	// Each pid's finding, waited for by its content (the reader polls the
	// ring every 100 ms; the deadline is generous for a busy machine).
	found := func(pid int, want []string) map[string]any {
		b := completeLines(logFile)
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !strings.Contains(l, `"pid":`+strconv.Itoa(pid)+",") {
				continue
			}
			for _, r := range logRecords(t, l) {
				p, _ := r["process"].(map[string]any)
				if r["kind"] == "alert" && p != nil && int(p["pid"].(float64)) == pid && slices.Contains(want, r["rule"].(string)) &&
					(r["severity"] == "WARNING" || r["severity"] == "ALERT") {
					return r
				}
			}
		}
		return nil
	}
	deadline := time.Now().Add(monitorHang)
	for i, tc := range techniques {
		pid := tc.cmd.Process.Pid
		var r map[string]any
		for r = found(pid, tc.rules); r == nil && time.Now().Before(deadline); r = found(pid, tc.rules) {
			time.Sleep(50 * time.Millisecond)
		}
		if r == nil {
			log, _, _ := stop()
			t.Fatalf("%s (pid %d): no WARNING+ finding of %v in the log:\n%s", tc.name, pid, tc.rules, log)
		}
		at, _ := time.Parse(time.RFC3339Nano, r["timestamp"].(string))
		t.Logf("%s: %s %s %v after it started", tc.name, r["rule"], r["severity"], at.Sub(started[i]).Round(time.Millisecond))
	}
}

// A descriptor is judged as it was when the call was made: a background
// job's dup2 of /dev/null onto its input, whose descriptor 3 is a TCP
// socket by the time user space reads the event, is no stdio-socket (nor
// reverse-shell) finding. The helper then reads /etc/shadow: once that
// finding is in the log, every earlier event of the helper was judged.
func TestMonitorEBPFDescriptorAtCall(t *testing.T) {
	needEBPF(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	stop := startMonitorLog(t, logFile, "--source", "ebpf", "--cooldown", "1ns")
	defer stop()
	// Descriptor 3 is /dev/null for the dup2, then a socket connected to
	// a listener of the test's on loopback, while the process lives on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	helper := exec.Command(perl, "-MPOSIX", "-MSocket", "-e", `
		open(my $n, "<", "/dev/null") or die; POSIX::dup2(fileno($n), 0); close $n;
		socket(my $s, PF_INET, SOCK_STREAM, 0) or die; connect($s, pack_sockaddr_in(`+port+`, inet_aton("127.0.0.1"))) or die;
		open(my $f, "<", "/etc/shadow"); select(undef, undef, undef, 0.5);`)
	if out, err := helper.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v %s", err, out)
	}
	pid := strconv.Itoa(helper.Process.Pid)
	var recs []map[string]any
	for deadline := time.Now().Add(monitorHang); ; time.Sleep(50 * time.Millisecond) {
		b := completeLines(logFile)
		recs = logRecords(t, string(b))
		done := false
		for _, r := range recs {
			p, _ := r["process"].(map[string]any)
			done = done || r["rule"] == "read-shadow" && p != nil && strconv.Itoa(int(p["pid"].(float64))) == pid
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no read-shadow finding of the helper (pid %s) within %v:\n%s", pid, monitorHang, b)
		}
	}
	for _, r := range recs {
		p, _ := r["process"].(map[string]any)
		if (r["rule"] == "stdio-socket" || r["rule"] == "reverse-shell") && p != nil && strconv.Itoa(int(p["pid"].(float64))) == pid {
			t.Errorf("a dup2 of /dev/null judged as a socket's: %v", r)
		}
	}
}
