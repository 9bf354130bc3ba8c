package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"detector/sandbox"
)

// A model this user may not read is an error naming the file, its mode,
// its owner and the permission it lacks, not a suggestion to train again;
// a folder where the model cannot be written names the folder.
func TestModelPermissionHint(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run detector as another user (uid 65534)")
	}
	dir, err := os.MkdirTemp("/tmp", "detector-perm-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "detector")
	if b, err := os.ReadFile(binary); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatal("copy detector")
	}
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--model", m, "fixtures/traces"); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	if err := os.Chmod(m, 0o600); err != nil {
		t.Fatal(err)
	}
	asNobody := func(args ...string) result {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: true}}
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		return result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
	}
	abs, _ := filepath.Abs("fixtures/traces/simple.trace")
	r := asNobody("detect", "--model", m, abs)
	wantError(t, r, "read model "+m+": permission denied")
	want := fmt.Sprintf("detector: hint: %s is -rw-------, owned by uid 0, and you are uid 65534: it needs read permission", m)
	if !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "train") {
		t.Errorf("the hint does not name the file and the permission:\n%s", r.stderr)
	}
	r = asNobody("train", "--model", filepath.Join(dir, "new.gob"), abs, abs)
	wantError(t, r, "save model")
	if want := "the folder " + dir + " is -rwxr-xr-x, owned by uid 0, and you are uid 65534: it needs write"; !strings.Contains(r.stderr, want) {
		t.Errorf("the hint does not name the folder and the permission:\n%s", r.stderr)
	}
}

// The sandbox's errors get advice that fits what failed: a sample that
// could not be placed inside it is not a reason to run without it.
func TestSandboxAdvice(t *testing.T) {
	place := fmt.Errorf("2 of 2 samples not judged; first: %w", &sandbox.SandboxError{Reason: "place /x/a.sh in the sandbox: permission denied"})
	if a := advice(place); strings.Contains(a, "--no-sandbox") || !strings.Contains(a, "regular file that you can read") {
		t.Errorf("advice for a placement error: %q", a)
	}
	ns := &sandbox.SandboxError{Reason: "create namespaces: operation not permitted"}
	if a := advice(ns); !strings.Contains(a, "user namespaces") {
		t.Errorf("advice for a namespace error: %q", a)
	}
	if strings.Contains(ns.Error(), "--no-sandbox") {
		t.Errorf("the error itself gives advice: %q", ns.Error())
	}
}
