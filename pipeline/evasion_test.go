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
	"detector/trace"
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

type nopConsumer struct{}

func (nopConsumer) Event(*trace.Event) error { return nil }

// Under the eBPF tracer the run's evasion report names what the sandbox
// refused, as under strace: an i386 call (int $0x80) and io_uring's
// setup; whether or not anything else reads the run's events (a model
// alone reads only the kernel's counts, and the tracer then describes
// only the calls that can be an evasion).
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
	cases := []struct{ way, want string }{
		{"int80", "32-bit call open (int $0x80)"},
		{"uring", "io_uring_setup (io_uring: file and socket operations out of the tracer's sight)"},
	}
	for _, c := range cases {
		for _, consumers := range []bool{false, true} {
			name := c.way + "/counts-only"
			if consumers {
				name = c.way + "/with-consumers"
			}
			t.Run(name, func(t *testing.T) {
				o := Options{Kind: samples.KindAuto, Jobs: 1,
					Run:      sandbox.RunOptions{Tracer: "ebpf", Timeout: time.Minute, MaxTrace: 1 << 30, MaxMemory: 1 << 30},
					Commands: []Command{{Name: "evade " + c.way, Argv: []string{evade, c.way}}}}
				if consumers {
					o.Consumers = func(samples.Source) []Consumer { return []Consumer{nopConsumer{}} }
				}
				tab, err := Collect(context.Background(), nil, o)
				if err != nil {
					t.Fatal(err)
				}
				s := tab.Samples[0]
				if s.Err != nil {
					t.Fatal(s.Err)
				}
				if s.Run == nil || !slices.Contains(s.Run.Evasion, c.want) {
					t.Errorf("run's evasion report %q lacks %q", s.Run.Evasion, c.want)
				}
			})
		}
	}
	// A run that tries nothing has no report.
	o := Options{Kind: samples.KindAuto, Jobs: 1,
		Run:      sandbox.RunOptions{Tracer: "ebpf", Timeout: time.Minute, MaxTrace: 1 << 30, MaxMemory: 1 << 30},
		Commands: []Command{{Name: "true", Argv: []string{"/bin/true"}}}}
	tab, err := Collect(context.Background(), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if s := tab.Samples[0]; s.Err != nil || s.Run == nil || len(s.Run.Evasion) != 0 {
		t.Errorf("/bin/true: error %v, evasion report %v; want none", s.Err, s.Run)
	}
}
