package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"detector/bpftrace"
	"detector/samples"
	"detector/sandbox"
)

// evadeHelper builds ../testdata/resolved/evade.c with cc -static (with
// liburing when it links) into a temporary folder, or skips.
func evadeHelper(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler (cc) to build the static helper: apt-get install gcc libc6-dev")
	}
	out := filepath.Join(t.TempDir(), "evade")
	src := "../testdata/resolved/evade.c"
	if exec.Command("cc", "-static", "-O1", "-DWITH_URING", "-o", out, src, "-luring").Run() == nil {
		return out
	}
	if b, err := exec.Command("cc", "-static", "-O1", "-o", out, src).CombinedOutput(); err != nil {
		t.Skipf("cannot build the static helper: %v %s", err, b)
	}
	return out
}

// Under the eBPF tracer the run's evasion report names what the sandbox
// refused, as under strace: an i386 call (int $0x80) and io_uring's
// setup; also for a run whose events nobody else reads (a model alone
// reads the kernel's counts: the tracer then describes only the calls
// that can be an evasion; with consumers, the rules' tests at the root
// check it). A run that tries nothing has no report. The three run at
// once.
func TestEBPFEvasionReport(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: the eBPF tracer needs root")
	}
	if err := bpftrace.Check(); err != nil {
		t.Skipf("skipped: the eBPF tracer cannot load here: %v", err)
	}
	if err := sandbox.Check(); err != nil {
		t.Skipf("skipped: no sandbox here: %v", err)
	}
	evade := evadeHelper(t)
	want := map[string]string{
		"evade int80": "32-bit call open (int $0x80)",
		"evade uring": "io_uring_setup (io_uring: file and socket operations out of the tracer's sight)",
		"true":        "",
	}
	o := Options{Kind: samples.KindAuto, Jobs: 3,
		Run: sandbox.RunOptions{Tracer: "ebpf", Timeout: time.Minute, MaxTrace: 1 << 30, MaxMemory: 1 << 30},
		Commands: []Command{{Name: "evade int80", Argv: []string{evade, "int80"}}, {Name: "evade uring", Argv: []string{evade, "uring"}},
			{Name: "true", Argv: []string{"/bin/true"}}}}
	tab, err := Collect(context.Background(), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tab.Samples {
		if s.Err != nil || s.Run == nil {
			t.Errorf("%s: %v", s.Name, s.Err)
			continue
		}
		w := want[s.Name]
		if w == "" && len(s.Run.Evasion) > 0 || w != "" && !slices.Contains(s.Run.Evasion, w) {
			t.Errorf("%s: run's evasion report %q, want %q", s.Name, s.Run.Evasion, w)
		}
	}
}
