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

// TestUntracedPayloadFlagged runs testdata/untraced_port_scan.sh, which
// starts the payload of fixtures/suspicious/port_scan.sh in a child hidden
// from strace -f and then a benign loop, against a model of the benign
// fixtures: the sandbox refuses the hiding, the payload is traced, the
// sample reaches WARNING or more and its run names the attempt.
func TestUntracedPayloadFlagged(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed")
	}
	if testing.Short() {
		t.Skip("traces every benign fixture; skipped with -short")
	}
	// The wrapper carries port_scan.sh verbatim.
	wrapper, err := os.ReadFile("testdata/untraced_port_scan.sh")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile("fixtures/suspicious/port_scan.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wrapper), "<<'PAYLOAD'\n"+string(payload)+"PAYLOAD\n") {
		t.Fatalf("testdata/untraced_port_scan.sh does not hold fixtures/suspicious/port_scan.sh verbatim")
	}

	m := t.TempDir() + "/m.gob"
	if r := run(t, nil, "train", "--tracer", "strace", "--model", m, "fixtures/benign"); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	r := run(t, nil, "detect", "--tracer", "strace", "--model", m, "--output", "json", "testdata/untraced_port_scan.sh")
	var row struct {
		Verdict    string
		Severity   string
		Confidence float64
		Run        struct{ Evasion []string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &row); err != nil {
		t.Fatalf("detect: exit %d, %v in %q; stderr %s", r.code, err, r.stdout, r.stderr)
	}
	// Flagged: its severity, the rules' and the model's findings together,
	// is the answer (the model alone may call it normal).
	if r.code != 1 || row.Severity != "WARNING" && row.Severity != "ALERT" {
		t.Errorf("the wrapped payload is %s (verdict %s, confidence %.2f, exit %d), want WARNING or ALERT", row.Severity, row.Verdict, row.Confidence, r.code)
	}
	if len(row.Run.Evasion) != 1 || row.Run.Evasion[0] != "clone with CLONE_UNTRACED" {
		t.Errorf("run.evasion = %q, want the untraced clone", row.Run.Evasion)
	}
	r = run(t, nil, "detect", "--tracer", "strace", "--model", m, "testdata/untraced_port_scan.sh")
	if !strings.Contains(r.stdout, "\n  (tried to evade the tracer: clone with CLONE_UNTRACED)") {
		t.Errorf("the table does not name the attempt:\n%s", r.stdout)
	}
}

// TestKeptGroupsWarning starts detector as an unprivileged user with
// supplementary groups, which its sandbox cannot drop: one warning says so.
// Without extra groups, or as root (whose runs drop them), nothing is said.
func TestKeptGroupsWarning(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root: starts detector as another user with chosen groups")
	}
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	// The built binary's folder is private to root.
	if err := os.Chmod(filepath.Dir(binary), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		uid    uint32
		groups []uint32
		warn   bool
	}{
		{65534, []uint32{4242, 4243}, true},
		{65534, nil, false},
		{0, []uint32{0, 4242}, false},
	} {
		cmd := exec.Command(binary, "features", "--input", "exec", "--output", "json", "/bin/true", "/bin/true")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: c.uid, Gid: c.uid, Groups: c.groups}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			if strings.Contains(stderr.String(), "set up sandbox") {
				t.Skipf("no sandbox here: %s", stderr.String())
			}
			t.Fatalf("uid %d groups %v: %v: %s", c.uid, c.groups, err, stderr.String())
		}
		n := strings.Count(stderr.String(), "detector: warning: the sandbox cannot drop your supplementary groups (4242, 4243)")
		if c.warn && n != 1 || !c.warn && strings.Contains(stderr.String(), "supplementary groups") {
			t.Errorf("uid %d groups %v: stderr %q, want the groups warning %v", c.uid, c.groups, stderr.String(), map[bool]string{true: "once", false: "not at all"}[c.warn])
		}
	}
}
