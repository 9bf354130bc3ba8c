package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// evadeHelper builds testdata/resolved/evade.c with cc -static (and
// liburing when it links), once per test binary; it skips the test
// without a C compiler.
var evadeHelper = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "detector-evade-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "evade")
	src := "testdata/resolved/evade.c"
	if err := exec.Command("cc", "-static", "-O1", "-DWITH_URING", "-o", out, src, "-luring").Run(); err == nil {
		return out, nil
	}
	if b, err := exec.Command("cc", "-static", "-O1", "-o", out, src).CombinedOutput(); err != nil {
		return "", &buildError{string(b)}
	}
	return out, nil
})

type buildError struct{ out string }

func (e *buildError) Error() string { return "cc -static evade.c: " + e.out }

func needEvade(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler (cc) to build the static helper: apt-get install gcc libc6-dev")
	}
	p, err := evadeHelper()
	if err != nil {
		t.Skipf("cannot build the static helper: %v", err)
	}
	return p
}

// resolvedCase is one way to reach an object while spelling another
// string, or to act out of a tracer's sight, and the WARNING+ rules it
// must raise. ebpf marks the rows known to pass under --tracer ebpf too.
type resolvedCase struct {
	name  string
	argv  func(evade string) []string
	rules []string // every one must be found
	// path and asGiven, when set: the evidence of rules[0] names the
	// resolved object and the argument as spelled.
	path, asGiven string
	evasion       string // a run.evasion entry the report must hold
	ebpf          bool
}

func sh(script string) func(string) []string {
	return func(string) []string { return []string{"/bin/sh", "-c", script} }
}

func evadeWay(way string) func(string) []string {
	return func(evade string) []string { return []string{evade, way} }
}

var resolvedCases = []resolvedCase{
	{name: "openat", argv: sh("cat /etc/shadow"), rules: []string{"read-shadow"}, path: "/etc/shadow"},
	{name: "open", argv: evadeWay("open"), rules: []string{"read-shadow"}, path: "/etc/shadow"},
	{name: "openat2", argv: evadeWay("openat2"), rules: []string{"read-shadow"}, path: "/etc/shadow"},
	{name: "creat", argv: evadeWay("creat"), rules: []string{"read-shadow", "system-dir-write"}, path: "/etc/shadow"},
	{name: "symlink made by the program", argv: sh(`ln -s /etc/shadow "$HOME/notes" && cat "$HOME/notes"`),
		rules: []string{"read-shadow"}, path: "/etc/shadow", asGiven: "/run/detector/home/notes"},
	{name: "proc self root", argv: sh("cat /proc/self/root/etc/shadow"), rules: []string{"read-shadow"},
		path: "/etc/shadow", asGiven: "/proc/self/root/etc/shadow"},
	{name: "relative after chdir", argv: sh("cd /etc && cat shadow"), rules: []string{"read-shadow"}, path: "/etc/shadow"},
	{name: "int 0x80 open", argv: evadeWay("int80"), rules: []string{"compat-syscall", "read-shadow"},
		evasion: "32-bit call open (int $0x80)", ebpf: true},
	{name: "io_uring openat and read", argv: evadeWay("uring"), rules: []string{"io-uring-file-ops"},
		evasion: "io_uring_setup (io_uring: file and socket operations out of the tracer's sight)", ebpf: true},
	{name: "cron through a symlinked folder", argv: sh(`ln -s /etc "$HOME/e"; echo x > "$HOME/e/cron.d/x"`),
		rules: []string{"persistence-write"}, path: "/etc/cron.d/x", asGiven: "/run/detector/home/e/cron.d/x"},
	{name: "udp sendto a backdoor port", argv: evadeWay("udp"), rules: []string{"outbound-backdoor-port"}},
	{name: "failed exec of a script without #!", argv: sh(`printf 'echo hi\n' > /tmp/x.sh; chmod +x /tmp/x.sh; /tmp/x.sh`),
		rules: []string{"exec-temp-dir"}, path: "/tmp/x.sh"},
}

// TestResolvedObjects runs each way of reaching /etc/shadow (and the other
// objects) of issue 21 under detect, in the sandbox, and checks the rules
// judge what the kernel resolved: each gets its WARNING+ findings, with
// the resolved path and the argument as spelled in the evidence, and the
// sandbox's refusals are named in run.evasion. The sandbox runs programs
// as nobody, so every read of /etc/shadow fails with EACCES (and the i386
// and io_uring calls with ENOSYS): the attempt is what is judged. Rows
// with ebpf set run under --tracer ebpf too.
func TestResolvedObjects(t *testing.T) {
	needStrace(t)
	if testing.Short() {
		t.Skip("runs a dozen programs in the sandbox; skipped with -short")
	}
	evade := needEvade(t)
	m := trainTraces(t)
	for _, tc := range resolvedCases {
		tracers := []string{"strace"}
		if tc.ebpf {
			tracers = append(tracers, "ebpf")
		}
		for _, tracer := range tracers {
			t.Run(tracer+"/"+tc.name, func(t *testing.T) {
				if tracer == "ebpf" {
					needEBPF(t)
				}
				args := append([]string{"--model", m, "--tracer", tracer, "--"}, tc.argv(evade)...)
				row, r := detectResolved(t, args...)
				sev := map[string]string{}
				for _, f := range row.Findings {
					sev[f.Rule] = f.Severity
				}
				for _, want := range tc.rules {
					if s := sev[want]; s != "WARNING" && s != "ALERT" {
						t.Errorf("no WARNING+ %s finding (findings %v); stderr %s", want, sev, r.stderr)
					}
				}
				if tc.path != "" {
					found := false
					for _, f := range row.Findings {
						if f.Rule != tc.rules[0] {
							continue
						}
						for _, e := range f.Evidence {
							if e.Path == tc.path && e.AsGiven == tc.asGiven {
								found = true
							}
						}
						if !found {
							t.Errorf("%s evidence %+v lacks path %q as_given %q", f.Rule, f.Evidence, tc.path, tc.asGiven)
						}
					}
				}
				if tc.evasion != "" && !slices.Contains(row.Run.Evasion, tc.evasion) {
					t.Errorf("run.evasion %q lacks %q", row.Run.Evasion, tc.evasion)
				}
			})
		}
	}
}

type resolvedRow struct {
	Severity string
	Findings []struct {
		Rule     string
		Severity string
		Evidence []struct {
			PID     int
			Syscall string
			Path    string
			AsGiven string `json:"as_given"`
		}
	}
	Run struct{ Evasion []string }
}

func detectResolved(t *testing.T, args ...string) (resolvedRow, result) {
	t.Helper()
	r := run(t, nil, append([]string{"detect", "--output", "json"}, args...)...)
	var row resolvedRow
	line := strings.TrimSpace(r.stdout)
	if r.code > 1 || line == "" || strings.Contains(line, "\n") {
		t.Fatalf("detect %q: exit %d, stdout %q, stderr %s", args, r.code, r.stdout, r.stderr)
	}
	if err := json.Unmarshal([]byte(line), &row); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	return row, r
}
