package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
// warns; what ebpf cannot do is refused with one line. The model is the
// shared one of the default tracer, which is ebpf where it loads (as
// needEBPF made sure); TestTracerEBPFSequences trains with --tracer ebpf.
func TestTracerEBPFModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and judges the fixtures under both tracers; the first pass runs it; skipped with -short")
	}
	needEBPF(t)
	needStrace(t)
	m, _ := commandsModel(t, "", "profile")
	if in := run(t, nil, "inspect", "--model", m); !strings.Contains(in.stdout, "tracer             ebpf") {
		t.Errorf("inspect does not name the tracer:\n%s", in.stdout)
	}
	r := run(t, nil, "detect", "--tracer", "strace", "--model", m, "--", "true")
	if !strings.Contains(r.stderr, "recorded with ebpf, these with strace") {
		t.Errorf("no warning of the tracer mismatch: %s", r.stderr)
	}
	wantError(t, run(t, nil, "features", "--tracer", "dtrace", "--", "true"), `unknown tracer "dtrace"`)
	wantError(t, run(t, nil, "features", "--tracer", "ebpf", "--no-sandbox", "--", "true"), "--no-sandbox")
}

// Sequence models train and detect under ebpf, the tracer then sending
// every call: on the commands of the README's example, the n-gram model
// flags no more fresh benign invocations and no fewer suspicious
// fixtures than the acceptance test of the example asks of strace.
func TestTracerEBPFSequences(t *testing.T) {
	t.Parallel() // spawns its own sandboxed runs only (their tracers follow their own sandbox); shortens CI on two cores
	if testing.Short() {
		t.Skip("trains sequence models under both tracers; the first pass runs it; skipped with -short")
	}
	needEBPF(t)
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--tracer", "ebpf", "--algorithm", "ngram", "--timeout", slowTimeout, "--commands", "fixtures/commands/train.txt", "--model", m); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	r := run(t, nil, "detect", "--tracer", "ebpf", "--model", m, "--timeout", slowTimeout, "--output", "json", "--commands", "fixtures/commands/fresh.txt", "fixtures/suspicious")
	if r.code != 0 && r.code != 1 {
		t.Fatalf("detect: %d %s", r.code, r.stderr)
	}
	var benign, flaggedBenign, suspicious, flaggedSuspicious int
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var row struct {
			Sample  string `json:"sample"`
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		bad := row.Verdict == "anomalous"
		if strings.Contains(row.Sample, "suspicious") {
			suspicious++
			if bad {
				flaggedSuspicious++
			}
		} else {
			benign++
			if bad {
				flaggedBenign++
			}
		}
	}
	if benign != 10 || suspicious != 21 {
		t.Fatalf("%d benign and %d suspicious rows, want 10 and 21:\n%s", benign, suspicious, r.stdout)
	}
	if flaggedBenign > 2 || flaggedSuspicious < 15 {
		t.Errorf("n-gram under ebpf flags %d of 10 fresh benign invocations (at most 2) and %d of 21 suspicious fixtures (at least 15)", flaggedBenign, flaggedSuspicious)
	}
}

// trace --tracer ebpf writes a log in strace's notation that detector
// reads back: its histogram equals the one --tracer strace counts, its
// first line is the program's execve; --max-trace cuts it.
func TestTraceEBPFLog(t *testing.T) {
	needEBPF(t)
	needStrace(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "perl.log")
	prog := []string{perl, "-e", "syscall(110) for 1..1000; open(F, '<', '/nonexistent/x'); exit 3"}
	r := run(t, nil, append([]string{"trace", "--tracer", "ebpf", "--out", log, "--"}, prog...)...)
	if r.code != 3 {
		t.Fatalf("trace: %d %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if !strings.Contains(first, `execve("`+perl+`"`) {
		t.Errorf("first line %q is not the program's execve", first)
	}
	if !strings.Contains(string(b), `"/nonexistent/x", O_RDONLY|O_CLOEXEC) = -1 ENOENT`) {
		t.Errorf("no failed openat in the log:\n%s", b)
	}
	hist := func(args ...string) map[string]float64 {
		r := run(t, nil, append([]string{"features", "--output", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("features %v: %d %s", args, r.code, r.stderr)
		}
		var row struct {
			Syscalls map[string]float64 `json:"syscalls"`
		}
		if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &row); err != nil {
			t.Fatal(err)
		}
		return row.Syscalls
	}
	fromLog, fromStrace := hist("--input", "strace", log), hist(append([]string{"--tracer", "strace", "--"}, prog...)...)
	if fromLog["getppid"] != 1000 {
		t.Errorf("the log has %v getppid calls, want 1000", fromLog["getppid"])
	}
	for n, k := range fromStrace {
		if fromLog[n] != k {
			t.Errorf("%s: the ebpf log has %v, strace %v", n, fromLog[n], k)
		}
	}
	if len(fromLog) != len(fromStrace) {
		t.Errorf("the ebpf log names %d calls, strace %d", len(fromLog), len(fromStrace))
	}

	cut := filepath.Join(dir, "cut.log")
	r = run(t, nil, append([]string{"trace", "--tracer", "ebpf", "--max-trace", "4KiB", "--out", cut, "--"}, prog...)...)
	if st, err := os.Stat(cut); err != nil || st.Size() > 4096 || st.Size() == 0 || !strings.Contains(r.stderr, "trace truncated") {
		t.Errorf("--max-trace 4KiB: %v %v, stderr %s", st, err, r.stderr)
	}
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

// Under --tracer ebpf the default rules find on every suspicious fixture
// what they find under strace: the kernel side describes the calls they
// read (paths, descriptors with what they are, ids, modes, argv) and the
// converter follows each process's working folder. Only a rule counting
// within a time window may fire under ebpf alone: strace slows a burst
// down, and on a busy machine it may then not fit the window; and a rule
// reading ancestors (orderRules).
var windowRules = map[string]bool{"fork-burst": true, "credential-hunt": true, "mass-rename": true, "network-scan": true, "connection-burst": true}

// orderRules read a process's ancestors. strace -f may print a short-lived
// child's calls, all of them, before its parent's clone returns, and the
// child then has no ancestors when it acts (rm deleting the running
// script, for self-delete); the eBPF tracer tells a fork before the child
// runs.
var orderRules = map[string]bool{"self-delete": true}

// straceUnread are findings strace makes of memory it could not read: a
// process that made itself non-dumpable (prctl(PR_SET_DUMPABLE, 0), as
// privilege_syscalls.sh does) keeps its memory from strace, which then
// prints capset's pointers, and the capset rule takes them for a
// possible gain; the eBPF tracer reads the sets in the process's own
// context (empty: a drop).
var straceUnread = map[string]string{"privilege_syscalls.sh": "capset"}

// straceCut are findings the eBPF tracer makes and strace cannot: strace
// writes strings up to 256 bytes (-s 256), the eBPF tracer an exec's argv
// up to 1,024, and these fixtures' inline scripts (perl -e) name the
// socket calls inline-code-exec reads past their 256th byte.
var straceCut = map[string]string{"reverse_shell_perl.sh": "inline-code-exec", "reverse_shell_bash.sh": "inline-code-exec"}

// The escalation of two WARNING rules (multiple-warnings) counts rules
// within a time window too, and follows from the rules compared here: it
// is compared through them.
var derivedRules = map[string]bool{"multiple-warnings": true}

func TestTracerEBPFRulesAsStrace(t *testing.T) {
	t.Parallel() // spawns its own sandboxed runs only (their tracers follow their own sandbox); shortens CI on two cores
	if testing.Short() {
		t.Skip("traces every fixture under both tracers; the first pass runs it; skipped with -short")
	}
	needEBPF(t)
	needStrace(t)
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--tracer", "strace", "--timeout", slowTimeout, "--commands", "fixtures/commands/train.txt", "--model", m); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	runs := map[string]string{} // tracer and sample -> how the run went, for the messages
	findings := func(tracer string) map[string]string {
		// A generous timeout: a sample cut short by a loaded machine finds
		// less, and the comparison would blame the tracer.
		r := run(t, nil, "detect", "--tracer", tracer, "--timeout", slowTimeout, "--model", m, "--output", "json", "fixtures/suspicious")
		if r.code != 1 {
			t.Fatalf("detect --tracer %s: %d %s", tracer, r.code, r.stderr)
		}
		out := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var row struct {
				Sample   string `json:"sample"`
				Findings []struct {
					Rule string `json:"rule"`
				} `json:"findings"`
				Run json.RawMessage `json:"run"`
			}
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			var rules []string
			for _, f := range row.Findings {
				if f.Rule != "model-anomaly" { // the model's view, not the rules'
					rules = append(rules, f.Rule)
				}
			}
			slices.Sort(rules)
			out[filepath.Base(row.Sample)] = strings.Join(slices.Compact(rules), " ")
			runs[tracer+" "+filepath.Base(row.Sample)] = string(row.Run)
		}
		return out
	}
	s, e := findings("strace"), findings("ebpf")
	if len(s) != 21 {
		t.Fatalf("%d suspicious fixtures judged, want 21", len(s))
	}
	for name, want := range s {
		got := strings.Fields(e[name])
		for _, r := range strings.Fields(want) {
			if !slices.Contains(got, r) && straceUnread[name] != r && !derivedRules[r] {
				t.Errorf("%s: ebpf finds [%s], strace [%s]\nebpf run %s\nstrace run %s", name, e[name], want, runs["ebpf "+name], runs["strace "+name])
			}
		}
		for _, r := range got {
			if !windowRules[r] && !orderRules[r] && !derivedRules[r] && straceCut[name] != r && !strings.Contains(" "+want+" ", " "+r+" ") {
				t.Errorf("%s: ebpf finds [%s], strace [%s]\nebpf run %s\nstrace run %s", name, e[name], want, runs["ebpf "+name], runs["strace "+name])
			}
		}
	}
}

// The rules that read arguments beyond paths and addresses fire under
// --tracer ebpf as under strace, one sample each, sharing a model: the
// exec's environment (history-env, preload-env), ftruncate's length of a
// history file (file-truncate-zero), capset's sets (a gain is capset, a
// drop to empty sets, as ip makes, is nothing), socket's family
// (packet-socket), a clone's flags when the sandbox refused it
// (untraced-clone).
func TestTracerEBPFArgumentRules(t *testing.T) {
	needEBPF(t)
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	capset := func(sets string) string {
		return perl + ` -e 'my ($h, $d) = (pack("LL", 0x20080522, 0), pack("L6", ` + sets + `)); syscall(126, $h, $d)'`
	}
	cases := []struct{ line, rule string }{
		{`sh -c 'HISTFILE=/dev/null bash -c true'`, "history-env"},
		{`env LD_PRELOAD=/tmp/x.so /bin/true`, "preload-env"},
		{`sh -c 'touch "$HOME/.bash_history"; ` + perl + ` -e "open(F, q(+<), shift) and truncate(F, 0)" "$HOME/.bash_history"'`, "file-truncate-zero"},
		{capset("1<<21, 1<<21, 0, 0, 0, 0"), "capset"},
		{capset("0, 0, 0, 0, 0, 0"), ""},
		{perl + ` -e 'socket(S, 17, 3, 768)'`, "packet-socket"}, // AF_PACKET, SOCK_RAW, ETH_P_ALL
		// clone(CLONE_UNTRACED|SIGCHLD), which the sandbox refuses
		{perl + ` -e 'syscall(56, 0x800011, 0, 0, 0, 0)'`, "untraced-clone"},
	}
	if ip, err := exec.LookPath("ip"); err == nil {
		cases = append(cases, struct{ line, rule string }{ip + " addr", ""})
	}
	var lines []string
	for _, c := range cases {
		lines = append(lines, c.line)
	}
	cmds := filepath.Join(t.TempDir(), "commands.txt")
	if err := os.WriteFile(cmds, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "detect", "--tracer", "ebpf", "--model", trainTraces(t), "--output", "json", "--fail-on", "never", "--commands", cmds)
	if r.code != 0 {
		t.Fatalf("detect: %d %s", r.code, r.stderr)
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(rows) != len(cases) {
		t.Fatalf("%d rows for %d commands:\n%s", len(rows), len(cases), r.stdout)
	}
	for i, line := range rows {
		var row jsonFindingRow
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		var warned []string
		for _, f := range row.Findings {
			if f.Rule != "model-anomaly" && (f.Severity == "WARNING" || f.Severity == "ALERT") {
				warned = append(warned, f.Rule)
			}
		}
		want := []string{}
		if cases[i].rule != "" {
			want = []string{cases[i].rule}
		}
		if !slices.Equal(warned, want) {
			t.Errorf("%s: WARNING+ findings %q, want %q", cases[i].line, warned, want)
		}
	}
}
