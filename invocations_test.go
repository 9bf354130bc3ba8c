package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func needStrace(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
}

// runIn is run with standard input.
func runIn(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	return runWith(t, nil, stdin, args...)
}

// The acceptance run of real invocations: train on the 40 command lines of
// fixtures/commands/train.txt, then judge the 10 fresh benign command
// lines of fresh.txt beside the suspicious fixtures, with LOF and with a
// sequence model. The behaviour rules bring every suspicious fixture to
// WARNING or ALERT and no benign invocation above INFO; the models flag
// most suspicious fixtures and few of the fresh benign invocations.
func TestCommandsEndToEnd(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	needStrace(t)
	if testing.Short() {
		t.Skip("runs 40 commands and every suspicious fixture; skipped with -short")
	}
	suspicious, _ := filepath.Glob("fixtures/suspicious/*.sh")
	for _, c := range []struct {
		alg                string
		maxBenign, minSusp int
	}{
		{"profile", 1, 18},
		{"lof", 5, 15},
		{"ngram", 2, 15},
	} {
		t.Run(c.alg, func(t *testing.T) {
			t.Parallel() // each algorithm's runs are its own: the three judge side by side
			m, stderr := commandsModel(t, "", c.alg)
			if !strings.Contains(stderr, "trained "+c.alg+" on 40 samples") {
				t.Fatalf("%s: train: %s", c.alg, stderr)
			}
			r := run(t, nil, "detect", "--output", "json", "--timeout", slowTimeout, "--commands", "fixtures/commands/fresh.txt", "--model", m, "fixtures/suspicious")
			if r.code != 1 {
				t.Fatalf("%s: detect: exit %d, want 1: %s", c.alg, r.code, r.stderr)
			}
			rows := jsonLines(t, r.stdout)
			if len(rows) != len(suspicious)+10 {
				t.Fatalf("%s: %d rows, want %d", c.alg, len(rows), len(suspicious)+10)
			}
			benignFlagged, suspFlagged := 0, 0
			for _, row := range rows {
				name, _ := row["sample"].(string)
				sev, _ := row["severity"].(string)
				anomalous := row["verdict"] == "anomalous"
				if strings.HasPrefix(name, "fixtures/suspicious/") {
					if sev != "WARNING" && sev != "ALERT" {
						t.Errorf("%s: %s is %s, want WARNING or ALERT", c.alg, name, sev)
					}
					if anomalous {
						suspFlagged++
					}
					continue
				}
				if f, _ := row["findings"].([]any); len(f) > 0 {
					for _, x := range f {
						if x.(map[string]any)["rule"] == "model-anomaly" {
							continue // the model's false alarms are counted below
						}
						if s := x.(map[string]any)["severity"]; s != "INFO" {
							t.Errorf("%s: benign %q has a %s finding: %v", c.alg, name, s, x)
						}
					}
				}
				if run, _ := row["run"].(map[string]any); run == nil || run["exit_code"] != 0.0 {
					t.Errorf("%s: benign %q did not run cleanly: %v", c.alg, name, row["run"])
				}
				if anomalous {
					benignFlagged++
				}
			}
			t.Logf("%s: %d of 10 fresh benign invocations flagged, %d of %d suspicious fixtures", c.alg, benignFlagged, suspFlagged, len(suspicious))
			if benignFlagged > c.maxBenign || suspFlagged < c.minSusp {
				t.Errorf("%s: %d of 10 benign flagged (at most %d), %d of %d suspicious (at least %d)",
					c.alg, benignFlagged, c.maxBenign, suspFlagged, len(suspicious), c.minSusp)
			}
		})
	}
}

// -- CMD ARGS runs one invocation with its arguments exactly, named by its
// command line; --stdin feeds it; the report carries its output and exit
// status.
func TestInvocationArguments(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	if testing.Short() {
		t.Skip("traces the fixtures once per way of naming them; the first pass runs it; skipped with -short")
	}
	needStrace(t)
	dir := t.TempDir()
	m, _ := commandsModel(t, "", "profile")
	r := run(t, nil, "detect", "--output", "json", "--rules", "off", "--fail-on", "never", "--model", m, "--",
		"printf", "[%s]", "a b", "", "it's", "--model")
	rows := jsonLines(t, r.stdout)
	if len(rows) != 1 {
		t.Fatalf("%d rows: %s %s", len(rows), r.stdout, r.stderr)
	}
	run0 := rows[0]["run"].(map[string]any)
	if rows[0]["sample"] != `printf '[%s]' 'a b' '' 'it'\''s' --model` || run0["stdout"] != "[a b][][it's][--model]" {
		t.Errorf("sample %q, stdout %q", rows[0]["sample"], run0["stdout"])
	}
	if p := rows[0]["path"]; p != "/usr/bin/printf" {
		t.Errorf("path %v, want the program found in PATH", p)
	}

	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte(strings.Repeat("line\n", 1234)), 0o644)
	r = run(t, nil, "detect", "--output", "json", "--rules", "off", "--fail-on", "never", "--model", m, "--stdin", in, "--", "wc", "-l")
	if rows := jsonLines(t, r.stdout); strings.TrimSpace(rows[0]["run"].(map[string]any)["stdout"].(string)) != "1234" {
		t.Errorf("--stdin: %v", rows[0]["run"])
	}
	r = run(t, nil, "detect", "--output", "json", "--rules", "off", "--fail-on", "never", "--model", m, "--", "sh", "-c", "exit 7")
	if rows := jsonLines(t, r.stdout); rows[0]["run"].(map[string]any)["exit_code"] != 7.0 {
		t.Errorf("exit status: %v", rows[0]["run"])
	}
	// Paths and commands together, paths first.
	r = run(t, nil, "features", "--commands", "fixtures/commands/fresh.txt", "fixtures/traces/simple.trace", "--", "true")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 1+1+10+1 || !strings.HasPrefix(lines[1], "fixtures/traces/simple.trace,") ||
		!strings.HasPrefix(lines[2], "ls -lh /usr/share/common-licenses,") || !strings.HasPrefix(lines[12], "true,") {
		t.Errorf("features of paths, --commands and -- CMD: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Bad command input: one line naming the file and line, exit 2; a command
// that is not found is an error row, and training refuses.
func TestCommandsBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	pipe := write("pipe.txt", "ls\nls | wc -l\n")
	wantError(t, run(t, nil, "features", "--commands", pipe), pipe+":2: not a plain command")
	glob := write("glob.txt", "ls /etc/*.conf\n")
	wantError(t, run(t, nil, "features", "--commands", glob), glob+`:1: the word "/etc/*.conf" needs a shell`)
	empty := write("empty.txt", "# nothing\n")
	wantError(t, run(t, nil, "features", "--commands", empty), "no command in it")
	wantError(t, run(t, nil, "features", "--commands", filepath.Join(dir, "missing.txt")), "--commands")
	wantError(t, run(t, nil, "features", "--commands", dir), "--commands")
	wantError(t, run(t, nil, "features", "--stdin", dir, "--", "true"), "--stdin")
	wantError(t, run(t, nil, "features"), "--commands FILE or -- CMD ARGS")
	wantError(t, run(t, nil, "features", "-", "-"), "standard input (-) given twice")

	needStrace(t)
	missing := write("missing-cmd.txt", "true\nno-such-command-here x\n")
	m := filepath.Join(dir, "m.gob")
	wantError(t, run(t, nil, "train", "--model", m, "--commands", missing), "no-such-command-here x")
	if _, err := os.Stat(m); err == nil {
		t.Error("a model was written from a failed training")
	}
}

// "-" reads one trace from standard input, plain or compressed, named
// stdin.
func TestStdinInput(t *testing.T) {
	log, err := os.ReadFile("fixtures/traces/simple.trace")
	if err != nil {
		t.Fatal(err)
	}
	want := run(t, nil, "features", "--output", "json", "fixtures/traces/simple.trace")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(log)
	zw.Close()
	for name, in := range map[string][]byte{"plain": log, "gzip": gz.Bytes()} {
		r := runIn(t, in, "features", "--output", "json", "-")
		if r.code != 0 {
			t.Fatalf("%s: %d %s", name, r.code, r.stderr)
		}
		got := jsonLines(t, r.stdout)
		exp := jsonLines(t, want.stdout)
		if got[0]["sample"] != "stdin" || !equalJSON(got[0]["features"], exp[0]["features"]) {
			t.Errorf("%s: %v, want the features of the file %v", name, got[0], exp[0])
		}
	}
	// Nothing is left behind in the temporary folder.
	tmp := t.TempDir()
	cmd := exec.Command(binary, "features", "-")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.Stdin = bytes.NewReader(log)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
	// Not a trace.
	r := runIn(t, []byte("hello\n"), "features", "-")
	if r.code != 2 || !strings.Contains(r.stderr, "stdin") || strings.Contains(r.stderr, "detector-stdin-") {
		t.Errorf("not a trace on stdin: %d %s", r.code, r.stderr)
	}
}

func equalJSON(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 || len(am) != len(bm) {
		return false
	}
	keys := make([]string, 0, len(am))
	for k := range am {
		keys = append(keys, k)
	}
	return !slices.ContainsFunc(keys, func(k string) bool { return am[k] != bm[k] })
}
