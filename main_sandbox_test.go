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
// from strace -f and then a benign loop: the sandbox refuses the hiding,
// the payload is traced (its exec and its connects are in the trace), the
// sample is flagged (the untraced-clone rule, ALERT, exit 1) and its run
// names the attempt. The model's verdict is not asserted: the payload
// scans for a second and a half of wall time, so how much of the trace the
// scan fills, and so the score, depends on how busy the machine is; the
// model's view of a port scan is checked on recorded traces
// (TestFixturesEndToEnd).
func TestUntracedPayloadFlagged(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed")
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

	m := recordedModel(t)
	r := run(t, nil, "detect", "--tracer", "strace", "--model", m, "--timeout", slowTimeout, "--output", "json", "testdata/untraced_port_scan.sh")
	var row struct {
		Verdict  string
		Severity string
		Features map[string]float64
		Findings []struct{ Rule, Severity, Message string }
		Run      struct {
			Evasion  []string
			TimedOut bool `json:"timed_out"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &row); err != nil {
		t.Fatalf("detect: exit %d, %v in %q; stderr %s", r.code, err, r.stdout, r.stderr)
	}
	if r.code != 1 || row.Severity != "ALERT" || row.Verdict == "error" || row.Run.TimedOut {
		t.Errorf("the wrapped payload: exit %d, severity %s, verdict %s, timed out %v; want exit 1, ALERT", r.code, row.Severity, row.Verdict, row.Run.TimedOut)
	}
	rules := map[string]string{}
	for _, f := range row.Findings {
		rules[f.Rule] += f.Message
	}
	if len(row.Run.Evasion) != 1 || row.Run.Evasion[0] != "clone with CLONE_UNTRACED" || rules["untraced-clone"] == "" {
		t.Errorf("run.evasion = %q, findings %v; want the untraced clone", row.Run.Evasion, rules)
	}
	// The payload ran in sight: its exec from the temporary folder and its
	// socket calls (nothing else in the wrapper touches the network).
	if !strings.Contains(rules["exec-temp-dir"], "payload.sh") || row.Features["network_ratio"] <= 0 {
		t.Errorf("the payload was not traced: findings %v, network_ratio %v", rules, row.Features["network_ratio"])
	}
	r = run(t, nil, "detect", "--tracer", "strace", "--model", m, "--timeout", slowTimeout, "testdata/untraced_port_scan.sh")
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
