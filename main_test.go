package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"detector/features"
	"detector/model"
	"detector/sandbox"
)

// The CLI is tested as people use it: the real binary, built once, run
// with arguments, its exit status, stdout and stderr checked.

var binary string

// sharedDir is the package run's own folder (the binary, the shared
// models), removed when the run ends.
var sharedDir string

func TestMain(m *testing.M) {
	// The test binary doubles as a helper process for the monitor tests.
	if os.Getenv("DETECTOR_TEST_HELPER") == "getppid" {
		for range 10000 {
			syscall.Getppid()
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "detector-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sharedDir = dir
	binary = filepath.Join(dir, "detector")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build detector: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// runBound bounds one run of the binary; the longest (training on every
// fixture under load) take a few minutes.
const runBound = 12 * time.Minute

// run runs the binary with args and extra environment variables; the model
// location defaults to a fresh folder so that no test touches a real one.
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runWith(t, env, nil, args...)
}

// runWith is run with standard input stdin (nil: none).
func runWith(t *testing.T, env []string, stdin []byte, args ...string) result {
	t.Helper()
	// A run that hangs fails here, named, instead of at the package's
	// timeout with every other test's output lost.
	ctx, cancel := context.WithTimeout(context.Background(), runBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir(), "DETECTOR_MODEL=")
	cmd.Env = append(cmd.Env, env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("detector %q: still running after %v\nstdout:\n%s\nstderr:\n%s", args, runBound, out.String(), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// wantError checks the contract for bad input: exit status 2, a single
// "detector: " line naming the problem (and at most a hint line), no panic.
func wantError(t *testing.T, r result, substr string) {
	t.Helper()
	if r.code != 2 {
		t.Errorf("exit status %d, want 2; stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	var errs []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "detector: hint: "), strings.HasPrefix(l, "detector: warning: "),
			strings.HasPrefix(l, "detector: tracing with "): // --tracer auto's note
		case strings.HasPrefix(l, "detector: "):
			errs = append(errs, l)
		default:
			t.Errorf("stderr line without the detector: prefix: %q", l)
		}
	}
	if len(errs) != 1 {
		t.Errorf("want one error line, got %d:\n%s", len(errs), r.stderr)
	}
	if !strings.Contains(r.stderr, substr) {
		t.Errorf("stderr %q does not mention %q", r.stderr, substr)
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("panic:\n%s", r.stderr)
	}
}

func TestFeaturesJSONOfHandMadeLog(t *testing.T) {
	r := run(t, nil, "features", "--input", "strace", "--output", "json", "testdata/handmade.strace")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Sample   string             `json:"sample"`
		Features map[string]float64 `json:"features"`
		Syscalls map[string]int64   `json:"syscalls"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v in %q", err, r.stdout)
	}
	// The log holds ten calls: two unfinished/resumed pairs count once
	// each; the signal and exit lines are not calls.
	wantHist := map[string]int64{"execve": 1, "brk": 1, "openat": 1, "read": 2, "close": 1,
		"socket": 1, "connect": 1, "setuid": 1, "exit_group": 1}
	if fmt.Sprint(got.Syscalls) != fmt.Sprint(wantHist) {
		t.Errorf("syscalls = %v, want %v", got.Syscalls, wantHist)
	}
	entropy := -(8*0.1*math.Log2(0.1) + 0.2*math.Log2(0.2))
	want := map[string]float64{"total_calls": 10, "unique_ratio": 0.9, "file_ratio": 0.4, "process_ratio": 0.2,
		"network_ratio": 0.2, "memory_ratio": 0.1, "security_ratio": 0.1, "top_call_ratio": 0.2,
		"entropy": entropy, "transition_rate": 1}
	for k, w := range want {
		if math.Abs(got.Features[k]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got.Features[k], w)
		}
	}
	// Keys in the documented order.
	i := strings.Index(r.stdout, `"features":{`)
	var order []string
	for _, n := range features.Names {
		order = append(order, fmt.Sprintf("%q", n))
	}
	pos := -1
	for _, k := range order {
		p := strings.Index(r.stdout[i:], k)
		if p < pos {
			t.Errorf("feature %s out of order in %s", k, r.stdout)
		}
		pos = p
	}
}

// writeTable writes a CSV feature table of n rows of gaussian data.
func writeTable(t *testing.T, path string, n int, seed uint64, shift float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("sample," + strings.Join(features.Names, ",") + "\n")
	for i := range n {
		fmt.Fprintf(&b, "s%d", i)
		for range features.Names {
			fmt.Fprintf(&b, ",%g", r.NormFloat64()+shift)
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCSVTrainDetect(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	writeTable(t, train, 200, 1, 0)
	writeTable(t, test, 30, 2, 0)
	outliers := filepath.Join(dir, "outliers.csv")
	writeTable(t, outliers, 5, 3, 8)
	for _, alg := range []string{"lof", "ocsvm"} {
		t.Run(alg, func(t *testing.T) {
			m := filepath.Join(dir, alg+".gob")
			if r := run(t, nil, "train", "--input", "csv", "--algorithm", alg, "--model", m, train); r.code != 0 {
				t.Fatalf("train: %d %s", r.code, r.stderr)
			}
			var verdicts []string
			for range 2 {
				r := run(t, nil, "detect", "--input", "csv", "--output", "json", "--model", m, test, outliers)
				if r.code != 1 {
					t.Fatalf("detect: exit %d, want 1 (outliers present): %s", r.code, r.stderr)
				}
				var v []string
				lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
				if len(lines) != 35 {
					t.Fatalf("%d JSON lines, want 35", len(lines))
				}
				for _, l := range lines {
					var row map[string]any
					if err := json.Unmarshal([]byte(l), &row); err != nil {
						t.Fatal(err)
					}
					for _, k := range []string{"sample", "verdict", "score", "confidence", "features", "deviations"} {
						if _, ok := row[k]; !ok {
							t.Fatalf("line lacks %q: %s", k, l)
						}
					}
					c := row["confidence"].(float64)
					if c < 0 || c > 1 {
						t.Errorf("confidence %v outside [0, 1]", c)
					}
					if (row["score"].(float64) < 0) != (row["verdict"] == "anomalous") {
						t.Errorf("verdict disagrees with score: %s", l)
					}
					v = append(v, row["verdict"].(string))
				}
				for _, x := range v[30:] {
					if x != "anomalous" {
						t.Errorf("an outlier 8 standard deviations out judged %s", x)
					}
				}
				verdicts = append(verdicts, strings.Join(v, " "))
			}
			if verdicts[0] != verdicts[1] {
				t.Error("two runs with the same model disagree")
			}
		})
	}
}

func TestFeaturesCSVFeedsTraining(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "f.csv")
	r := run(t, nil, "features", "--output", "csv", "--input", "strace", "testdata/handmade.strace", "testdata/handmade.strace")
	if r.code != 0 {
		t.Fatalf("features: %d %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "sample,"+strings.Join(features.Names, ",")+"\n") {
		t.Fatalf("header: %q", r.stdout)
	}
	os.WriteFile(table, []byte(r.stdout), 0o644)
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--input", "csv", "--model", m, table); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	r = run(t, nil, "detect", "--input", "csv", "--model", m, "--output", "csv", table)
	if r.code != 0 || !strings.Contains(r.stdout, "testdata/handmade.strace,normal,") {
		t.Fatalf("detect: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func trainCSVModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	writeTable(t, train, 50, 1, 0)
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--input", "csv", "--model", m, train); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	return m
}

func TestBadInput(t *testing.T) {
	good := trainCSVModel(t)
	dir := t.TempDir()
	data, _ := os.ReadFile(good)
	corrupt := filepath.Join(dir, "corrupt.gob")
	os.WriteFile(corrupt, bytes.Repeat([]byte("not a model "), 100), 0o644)
	truncated := filepath.Join(dir, "truncated.gob")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	random := filepath.Join(dir, "random.log")
	rb := make([]byte, 64<<10)
	rnd := rand.New(rand.NewPCG(9, 9))
	for i := range rb {
		rb[i] = byte(rnd.Uint32())
	}
	os.WriteFile(random, rb, 0o644)
	table := filepath.Join(dir, "t.csv")
	writeTable(t, table, 5, 4, 0)

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"corrupt model", []string{"detect", "--input", "csv", "--model", corrupt, table}, "not a model file"},
		{"truncated model", []string{"detect", "--input", "csv", "--model", truncated, table}, "truncated or corrupt"},
		{"missing model", []string{"detect", "--input", "csv", "--model", filepath.Join(dir, "none.gob"), table}, "no model at"},
		{"missing path", []string{"detect", "--model", good, filepath.Join(dir, "no-such-dir")}, "no-such-dir"},
		{"random bytes as strace log", []string{"features", "--input", "strace", random}, "random.log"},
		{"random bytes to detect", []string{"detect", "--input", "strace", "--model", good, random}, "random.log"},
		{"flag after paths", []string{"detect", "--model", good, table, "--output", "json"}, "put flags before the paths"},
		{"unknown algorithm", []string{"train", "--algorithm", "svm", table}, "unknown algorithm"},
		{"bad output", []string{"detect", "--output", "xml", "--model", good, table}, "unknown output format"},
		{"bad gamma", []string{"train", "--algorithm", "ocsvm", "--gamma", "-1", table}, "--gamma"},
		{"unknown flag", []string{"detect", "--frobnicate", table}, "frobnicate"},
		{"tiny memory bound", []string{"detect", "--max-memory", "1M", "--model", good, table}, "--max-memory: 1M is below the minimum"},
		{"bad memory bound", []string{"trace", "--max-memory", "lots", "--", "/bin/true"}, "--max-memory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantError(t, run(t, nil, c.args...), c.want) })
	}
}

func TestNoStraceOnPath(t *testing.T) {
	empty := t.TempDir()
	r := run(t, []string{"PATH=" + empty}, "features", "--tracer", "strace", "--input", "exec", "fixtures/benign/list_usr_bin.sh")
	wantError(t, r, "strace")
	if !strings.Contains(r.stderr, "apt-get install strace") {
		t.Errorf("no install hint: %s", r.stderr)
	}
}

func TestEmptyTrainingFolderKeepsModel(t *testing.T) {
	m := trainCSVModel(t)
	before, _ := os.ReadFile(m)
	empty := t.TempDir()
	wantError(t, run(t, nil, "train", "--model", m, empty), "no samples found")
	wantError(t, run(t, nil, "--train", empty, "--model", m), "no samples found")
	after, _ := os.ReadFile(m)
	if !bytes.Equal(before, after) {
		t.Fatal("the model changed")
	}
	entries, _ := os.ReadDir(filepath.Dir(m))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestDefaultModelLocation(t *testing.T) {
	data := t.TempDir()
	table := filepath.Join(t.TempDir(), "t.csv")
	writeTable(t, table, 30, 1, 0)
	env := []string{"XDG_DATA_HOME=" + data}
	if r := run(t, env, "train", "--input", "csv", table); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "detector", "model.gob")); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "--detect", table, "--input", "csv"); r.code != 0 && r.code != 1 {
		t.Fatalf("detect with the default model: %d %s", r.code, r.stderr)
	}
	// $DETECTOR_MODEL wins over the default.
	other := filepath.Join(t.TempDir(), "other.gob")
	if r := run(t, append(env, "DETECTOR_MODEL="+other), "train", "--input", "csv", table); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatal(err)
	}
}

func TestInspect(t *testing.T) {
	m := trainCSVModel(t)
	r := run(t, nil, "inspect", "--model", m)
	if r.code != 0 {
		t.Fatalf("inspect: %s", r.stderr)
	}
	for _, want := range []string{"algorithm          lof", "neighbors", "training samples   50", "created", "transition_rate", "mean", "std"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// slowTimeout is the --timeout of traced runs in tests about behaviour, not
// speed: under strace on a loaded machine a fixture that takes a quarter
// of a second alone can take more than the default 10 s, and a run cut
// short changes the sample.
const slowTimeout = "5m"

// Recorded traces of the fixtures (rules/testdata/traces, gzipped strace
// logs made in the sandbox): the model's expectations are checked on them,
// since a live run's calls depend on scheduling and a borderline sample's
// verdict with them.
const (
	recordedBenign     = "rules/testdata/traces/benign"
	recordedSuspicious = "rules/testdata/traces/suspicious"
)

// recordedModel trains the default model on the recorded traces of the
// benign fixtures and returns its path.
func recordedModel(t *testing.T) string {
	t.Helper()
	m := filepath.Join(t.TempDir(), "recorded.gob")
	if r := run(t, nil, "train", "--model", m, recordedBenign); r.code != 0 {
		t.Fatalf("train on the recorded benign traces: %d %s", r.code, r.stderr)
	}
	return m
}

// TestFixturesEndToEnd is the seed workflow: train on the benign fixtures,
// detect the suspicious ones, every fixture run under strace in the
// sandbox; every sample gets a verdict and the rules make detect exit 1.
// A model of the recorded benign traces flags most recorded suspicious
// ones, the same ones each time.
func TestFixturesEndToEnd(t *testing.T) {
	t.Parallel() // spawns its own sandboxed runs only (their tracers follow their own sandbox); shortens CI on two cores
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	if testing.Short() {
		t.Skip("traces every fixture; skipped with -short")
	}
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "--train", "fixtures/benign", "--tracer", "strace", "--model", m, "--timeout", slowTimeout); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	suspicious, _ := filepath.Glob("fixtures/suspicious/*.sh")
	r := run(t, nil, "--detect", "fixtures/suspicious", "--tracer", "strace", "--model", m, "--output", "json", "--timeout", slowTimeout)
	if r.code != 1 {
		t.Fatalf("detect: exit %d, want 1: %s", r.code, r.stderr)
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, l := range rows {
		var row struct {
			Sample, Verdict string
			Run             struct {
				TimedOut bool `json:"timed_out"`
			}
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		if row.Verdict != "anomalous" && row.Verdict != "normal" || row.Run.TimedOut {
			t.Errorf("%s: verdict %q, timed out %v", row.Sample, row.Verdict, row.Run.TimedOut)
		}
	}
	if len(rows) != len(suspicious) {
		t.Errorf("%d rows for %d suspicious fixtures", len(rows), len(suspicious))
	}

	// The model's expectations, on the recorded traces.
	rm := recordedModel(t)
	var verdicts []string
	for range 2 {
		r := run(t, nil, "detect", "--model", rm, "--output", "json", recordedSuspicious)
		if r.code != 1 {
			t.Fatalf("detect the recorded traces: exit %d, want 1: %s", r.code, r.stderr)
		}
		var v []string
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var row struct{ Sample, Verdict string }
			if err := json.Unmarshal([]byte(l), &row); err != nil {
				t.Fatal(err)
			}
			v = append(v, row.Sample+"="+row.Verdict)
		}
		flagged := strings.Count(r.stdout, `"verdict":"anomalous"`)
		t.Logf("%d of %d recorded suspicious fixtures flagged", flagged, len(v))
		if len(v) != len(suspicious) || 2*flagged <= len(v) {
			t.Errorf("only %d of %d recorded suspicious fixtures flagged (%d fixtures)", flagged, len(v), len(suspicious))
		}
		verdicts = append(verdicts, strings.Join(v, " "))
	}
	if verdicts[0] != verdicts[1] {
		t.Errorf("two detect runs of the same traces with the same model disagree:\n%s\n%s", verdicts[0], verdicts[1])
	}

	// The model keeps the trace options; detect warns when the samples
	// are traced with others.
	if r := run(t, nil, "inspect", "--model", m); !strings.Contains(r.stdout, "strace "+sandbox.TraceOptions) {
		t.Errorf("inspect does not show the trace options:\n%s", r.stdout)
	}
	mod, err := model.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	mod.TraceOptions = "-s 256"
	if err := model.Save(m, mod); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "detect", "--tracer", "strace", "--model", m, "--timeout", slowTimeout, "fixtures/benign/date_env.sh")
	if !strings.Contains(r.stderr, "warning: the model was trained on traces recorded with strace -s 256") {
		t.Errorf("no warning for other trace options: %s", r.stderr)
	}
}

// featuresJSON runs `features --output json` and returns the samples'
// histograms by name.
func featuresJSON(t *testing.T, args ...string) map[string]map[string]int64 {
	t.Helper()
	r := run(t, nil, append([]string{"features", "--output", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("features: %d %s", r.code, r.stderr)
	}
	out := map[string]map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var row struct {
			Sample   string             `json:"sample"`
			Features map[string]float64 `json:"features"`
			Syscalls map[string]int64   `json:"syscalls"`
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, n := range row.Syscalls {
			total += n
		}
		if float64(total) != row.Features["total_calls"] {
			t.Errorf("%s: histogram sums to %d, total_calls is %v", row.Sample, total, row.Features["total_calls"])
		}
		out[row.Sample] = row.Syscalls
	}
	return out
}

// TestHistogramInterleavedStderr: strace wrote to stderr, mixed with the
// program's own stderr lines, and ended with its -C summary; the parser's
// histogram must equal that summary (which leaves out exit and
// exit_group).
func TestHistogramInterleavedStderr(t *testing.T) {
	const path = "fixtures/traces/stderr.trace"
	got := featuresJSON(t, path)[path]
	data, _ := os.ReadFile(path)
	want := map[string]int64{}
	inTable := false
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		switch {
		case strings.HasPrefix(l, "% time"):
			inTable = true
		case !inTable || len(f) < 5 || strings.HasPrefix(l, "---") || f[len(f)-1] == "total":
		default:
			n, err := strconv.ParseInt(f[3], 10, 64)
			if err != nil {
				t.Fatalf("summary line %q", l)
			}
			want[f[len(f)-1]] = n
		}
	}
	if len(want) < 20 {
		t.Fatalf("read only %d names from strace's summary", len(want))
	}
	delete(got, "exit_group")
	delete(got, "exit")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("histogram\n%v\nstrace -C says\n%v", got, want)
	}
}

// TestHistogramFF: an -ff folder is one sample, whose histogram is the sum
// of its files' calls (one per line starting with a call name: -ff files
// hold one process each).
func TestHistogramFF(t *testing.T) {
	got := featuresJSON(t, "fixtures/traces/ff")
	if len(got) != 1 {
		t.Fatalf("%d samples, want the one -ff group: %v", len(got), got)
	}
	files, _ := filepath.Glob("fixtures/traces/ff/run.*")
	want := map[string]int64{}
	call := regexp.MustCompile(`^([a-z_][a-z0-9_]*)\(`)
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(data), "\n") {
			if m := call.FindStringSubmatch(l); m != nil {
				want[m[1]]++
			}
		}
	}
	if h := got["fixtures/traces/ff/run"]; fmt.Sprint(h) != fmt.Sprint(want) {
		t.Errorf("histogram of the -ff group\n%v\nwant\n%v", h, want)
	}
}

// TestHistogramADFA: an ADFA-LD trace's numbers, named with the i386
// table.
func TestHistogramADFA(t *testing.T) {
	const path = "fixtures/adfa/UTD-0454.txt"
	got := featuresJSON(t, path)[path]
	data, _ := os.ReadFile(path)
	counts := map[string]int64{}
	for _, tok := range strings.Fields(string(data)) {
		counts[tok]++
	}
	// A few numbers checked by hand against the i386 table.
	for num, name := range map[string]string{"3": "read", "5": "open", "6": "close", "192": "mmap2", "195": "stat64", "197": "fstat64"} {
		if counts[num] == 0 {
			continue
		}
		if got[name] != counts[num] {
			t.Errorf("%s (number %s): %d calls, the trace has %d", name, num, got[name], counts[num])
		}
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	var gotTotal int64
	for _, n := range got {
		gotTotal += n
	}
	if gotTotal != total || len(got) != len(counts) {
		t.Errorf("%d calls of %d names, the trace has %d of %d", gotTotal, len(got), total, len(counts))
	}
}
