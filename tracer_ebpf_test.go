package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// features --tracer ebpf gives a deterministic program the call-name
// histogram --tracer strace gives it, with its 10,000 getppid calls, and
// leaves no BPF program or map behind.
func TestFeaturesTracerEBPF(t *testing.T) {
	needEBPF(t)
	needStrace(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	before := bpfIDs(t)
	hist := func(tracer string) map[string]float64 {
		r := run(t, nil, "features", "--tracer", tracer, "--output", "json", "--", perl, "-e", "syscall(110) for 1..10000")
		if r.code != 0 {
			t.Fatalf("--tracer %s: %d %s", tracer, r.code, r.stderr)
		}
		var row struct {
			Syscalls map[string]float64 `json:"syscalls"`
		}
		if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &row); err != nil {
			t.Fatal(err)
		}
		return row.Syscalls
	}
	e, s := hist("ebpf"), hist("strace")
	if e["getppid"] != 10000 {
		t.Errorf("getppid counted %v times under ebpf, want 10000", e["getppid"])
	}
	for n, k := range s {
		if e[n] != k {
			t.Errorf("%s: ebpf %v, strace %v", n, e[n], k)
		}
	}
	if len(e) != len(s) {
		t.Errorf("ebpf names %d calls, strace %d", len(e), len(s))
	}
	waitNoLeftover(t, before)
}

// A model trained under ebpf says so; detecting with the other tracer
// warns; what ebpf cannot do is refused with one line.
func TestTracerEBPFModel(t *testing.T) {
	needEBPF(t)
	needStrace(t)
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--tracer", "ebpf", "--commands", "fixtures/commands/train.txt", "--model", m); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	if in := run(t, nil, "inspect", "--model", m); !strings.Contains(in.stdout, "tracer             ebpf") {
		t.Errorf("inspect does not name the tracer:\n%s", in.stdout)
	}
	r := run(t, nil, "detect", "--tracer", "strace", "--model", m, "--", "true")
	if !strings.Contains(r.stderr, "recorded with ebpf, these with strace") {
		t.Errorf("no warning of the tracer mismatch: %s", r.stderr)
	}
	wantError(t, run(t, nil, "features", "--tracer", "dtrace", "--", "true"), `unknown tracer "dtrace"`)
	wantError(t, run(t, nil, "features", "--tracer", "ebpf", "--no-sandbox", "--", "true"), "--no-sandbox")
	wantError(t, run(t, nil, "train", "--tracer", "ebpf", "--algorithm", "ngram", "--model", m+"2", "--", "true"), "call sequences")
}

// Without the privilege to load BPF programs, --tracer ebpf is one error
// line before any sample runs.
func TestTracerEBPFUnprivileged(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run detector as another user")
	}
	dir, err := os.MkdirTemp("/tmp", "detector-ebpf-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "detector")
	if b, err := os.ReadFile(binary); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatal("copy detector")
	}
	cmd := exec.Command(bin, "features", "--tracer", "ebpf", "--", "true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: true}}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run()
	wantError(t, result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}, "CAP_BPF")
	if out.Len() > 0 {
		t.Errorf("rows written: %s", out.String())
	}
}
