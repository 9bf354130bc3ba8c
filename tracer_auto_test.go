package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Without --tracer, the commands that run samples trace with eBPF where it
// loads and say so once; the model records it, and detecting against a
// model recorded with strace warns of the mismatch. Run as an unprivileged
// user, where eBPF cannot load, detect traces with strace and says why.
// Recorded traces need no tracer, and nothing is said.
func TestTracerAutoDefault(t *testing.T) {
	needEBPF(t)
	needStrace(t)
	dir, err := os.MkdirTemp("/tmp", "detector-tracer-auto-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmds := filepath.Join(dir, "cmds.txt")
	if err := os.WriteFile(cmds, []byte("true\necho hello\nls /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	straceModel, autoModel := filepath.Join(dir, "strace.gob"), filepath.Join(dir, "auto.gob")
	if r := run(t, nil, "train", "--tracer", "strace", "--commands", cmds, "--model", straceModel); r.code != 0 || strings.Contains(r.stderr, "tracing with") {
		t.Fatalf("train --tracer strace: %d %s", r.code, r.stderr)
	}
	r := run(t, nil, "train", "--commands", cmds, "--model", autoModel)
	if r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "detector: tracing with eBPF\n"); n != 1 {
		t.Errorf("train says %d times that it traces with eBPF, want once:\n%s", n, r.stderr)
	}
	if in := run(t, nil, "inspect", "--model", autoModel); !strings.Contains(in.stdout, "tracer             ebpf") {
		t.Errorf("the model does not record the eBPF tracer:\n%s", in.stdout)
	}
	r = run(t, nil, "detect", "--model", straceModel, "--", "true")
	if r.code > 1 || !strings.Contains(r.stderr, "detector: tracing with eBPF\n") {
		t.Errorf("detect does not trace with eBPF by default: %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "recorded with strace") || !strings.Contains(r.stderr, "these with ebpf") {
		t.Errorf("no warning that the model was recorded with strace:\n%s", r.stderr)
	}
	if r := run(t, nil, "features", "fixtures/traces/simple.trace"); r.code != 0 || strings.Contains(r.stderr, "tracing") {
		t.Errorf("a recorded trace is read without a tracer, and nothing said: %d\n%s", r.code, r.stderr)
	}

	// As nobody: the binary and the model where that user may read them.
	bin := filepath.Join(dir, "detector")
	if b, err := os.ReadFile(binary); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatal("copy detector")
	}
	if err := os.Chown(straceModel, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "detect", "--model", straceModel, "--", "true")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: true}}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run()
	stderr := errb.String()
	if code := cmd.ProcessState.ExitCode(); code > 1 {
		t.Fatalf("detect as nobody: exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "detector: tracing with strace (eBPF unavailable: "); n != 1 {
		t.Errorf("detect as nobody says %d times that it traces with strace and why, want once:\n%s", n, stderr)
	}
	if strings.Contains(stderr, "recorded with") || !strings.Contains(out.String(), "true") {
		t.Errorf("detect as nobody: a tracer mismatch, or no row:\n%s\n%s", out.String(), stderr)
	}
}
