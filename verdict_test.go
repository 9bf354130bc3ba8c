package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"detector/features"
)

// writeRows writes a feature table of named rows.
func writeRows(t *testing.T, path string, rows map[string][]float64, order []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("sample," + strings.Join(features.Names, ",") + "\n")
	for _, name := range order {
		b.WriteString(name)
		for _, v := range rows[name] {
			fmt.Fprintf(&b, ",%g", v)
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// narrowModel trains on a table whose second feature varies by about
// 0.01, so that 1e308 there standardizes to infinity.
func narrowModel(t *testing.T, alg string) string {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(11, 11))
	rows := map[string][]float64{}
	var order []string
	for i := range 50 {
		v := make([]float64, len(features.Names))
		for j := range v {
			v[j] = r.NormFloat64()
		}
		v[1] *= 0.01
		name := fmt.Sprintf("s%d", i)
		rows[name], order = v, append(order, name)
	}
	train := filepath.Join(dir, "train.csv")
	writeRows(t, train, rows, order)
	m := filepath.Join(dir, "m.gob")
	if r := run(t, nil, "train", "--input", "csv", "--algorithm", alg, "--model", m, train); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	return m
}

func jsonRows(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("%v: %q", err, l)
		}
		rows = append(rows, row)
	}
	return rows
}

func csvRows(t *testing.T, out string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	return recs
}

// A score that cannot be computed is never "normal": it is an error row
// and exit status 2, in every format. Before, 1e308 standardized to
// infinity, the LOF score was NaN and the verdict "normal" with status 0;
// --output json aborted.
func TestUnscorableSampleIsAnError(t *testing.T) {
	m := narrowModel(t, "lof")
	dir := t.TempDir()
	zero := make([]float64, len(features.Names))
	huge := make([]float64, len(features.Names))
	huge[1] = 1e308
	test := filepath.Join(dir, "test.csv")
	writeRows(t, test, map[string][]float64{"huge": huge, "ok": zero}, []string{"huge", "ok"})
	only := filepath.Join(dir, "only.csv")
	writeRows(t, only, map[string][]float64{"huge": huge}, []string{"huge"})

	r := run(t, nil, "detect", "--input", "csv", "--model", m, test)
	if r.code != 2 || !strings.Contains(r.stderr, "huge: cannot be judged") {
		t.Errorf("table: exit %d, stderr %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "\nhuge ") {
		t.Errorf("no table row for huge:\n%s", r.stdout)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		// The sample's own line; the error itself is indented below it.
		if strings.HasPrefix(l, "huge") && (!strings.Contains(l, "error") || strings.Contains(l, "normal")) {
			t.Errorf("table row %q", l)
		}
	}

	r = run(t, nil, "detect", "--input", "csv", "--output", "json", "--model", m, test)
	rows := jsonRows(t, r.stdout)
	if r.code != 2 || len(rows) != 2 || rows[0]["verdict"] != "error" || rows[0]["score"] != nil ||
		!strings.Contains(fmt.Sprint(rows[0]["error"]), "too far outside the training range") || rows[1]["verdict"] != "normal" {
		t.Errorf("json: exit %d, rows %v, stderr %s", r.code, rows, r.stderr)
	}

	r = run(t, nil, "detect", "--input", "csv", "--output", "csv", "--model", m, test)
	recs := csvRows(t, r.stdout)
	if r.code != 2 || len(recs) != 3 || recs[1][0] != "huge" || recs[1][1] != "error" || recs[2][1] != "normal" {
		t.Errorf("csv: exit %d, rows %q, stderr %s", r.code, recs, r.stderr)
	}

	// When no sample can be judged, json and csv still carry the rows.
	r = run(t, nil, "detect", "--input", "csv", "--output", "json", "--model", m, only)
	if rows := jsonRows(t, r.stdout); r.code != 2 || len(rows) != 1 || rows[0]["verdict"] != "error" {
		t.Errorf("json, every sample failed: exit %d, rows %v", r.code, rows)
	}
	r = run(t, nil, "detect", "--input", "csv", "--output", "csv", "--model", m, only)
	if recs := csvRows(t, r.stdout); r.code != 2 || len(recs) != 2 || recs[0][0] != "sample" || recs[1][1] != "error" {
		t.Errorf("csv, every sample failed: exit %d, rows %q", r.code, recs)
	}
	wantError(t, r, "cannot be judged")
}

// Flags before the command were listed as global options and silently
// ignored; --model there even overwrote the default model.
func TestFlagsBeforeCommandRefused(t *testing.T) {
	dir := t.TempDir()
	table := filepath.Join(dir, "t.csv")
	writeTable(t, table, 20, 1, 0)
	data := t.TempDir()
	env := []string{"XDG_DATA_HOME=" + data}
	m := filepath.Join(dir, "m.gob")
	r := run(t, env, "--model", m, "train", "--input", "csv", table)
	wantError(t, r, "flag --model before the command train")
	if !strings.Contains(r.stderr, "detector train --model") {
		t.Errorf("no hint: %s", r.stderr)
	}
	for _, p := range []string{m, filepath.Join(data, "detector", "model.gob")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s written", p)
		}
	}
	wantError(t, run(t, env, "--output", "json", "detect", "--input", "csv", table), "flag --output before the command detect")
	wantError(t, run(t, env, "--jobs", "2", "features", table), "flag --jobs before the command features")
	wantError(t, run(t, env, "--model", m), "flag --model without --train DIR, --detect DIR or a command")

	// After the command, and in the --train DIR spelling, they work.
	if r := run(t, env, "train", "--input", "csv", "--model", m, table); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	m2 := filepath.Join(dir, "m2.gob")
	if r := run(t, env, "--train", table, "--input", "csv", "--model", m2); r.code != 0 {
		t.Fatalf("--train: %s", r.stderr)
	}
	if _, err := os.Stat(m2); err != nil {
		t.Error(err)
	}
	// $DETECTOR_MODEL still names the model.
	m3 := filepath.Join(dir, "m3.gob")
	if r := run(t, append(env, "DETECTOR_MODEL="+m3), "train", "--input", "csv", table); r.code != 0 {
		t.Fatalf("train with $DETECTOR_MODEL: %s", r.stderr)
	}
	if _, err := os.Stat(m3); err != nil {
		t.Error(err)
	}
}

func TestEvaluateMessages(t *testing.T) {
	m := trainCSVModel(t)
	dir := t.TempDir()
	normal := filepath.Join(dir, "normal.csv")
	writeTable(t, normal, 20, 5, 0)
	attacks := filepath.Join(dir, "attacks,2024")
	os.MkdirAll(filepath.Join(attacks, "fam"), 0o755)
	writeTable(t, filepath.Join(attacks, "fam", "a.csv"), 10, 6, 8)
	// A comma is part of the path, not a separator.
	r := run(t, nil, "evaluate", "--input", "csv", "--model", m, "--normal", normal, "--attack", attacks, "--output", "json")
	if r.code != 0 {
		t.Fatalf("evaluate with a comma in --attack: exit %d, %s", r.code, r.stderr)
	}
	var rep struct{ Attack, Normal int }
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Attack != 10 || rep.Normal != 20 {
		t.Errorf("report %s: %v", r.stdout, err)
	}
	// A duration without a unit says so, with the flag as it is typed.
	r = run(t, nil, "evaluate", "--timeout", "5", "--model", m, "--normal", normal, "--attack", attacks)
	wantError(t, r, `--timeout "5": want a duration with a unit, like 5s`)
	if strings.Contains(r.stderr, "parse error") || strings.Contains(r.stderr, " -timeout") {
		t.Errorf("stderr %s", r.stderr)
	}
}

func TestSkipWarning(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.strace"), []byte("openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n"), 0o644)
	r := run(t, nil, "features", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "detector: warning: skip "+filepath.Join(dir, "notes.txt")+": not an executable") ||
		strings.Contains(r.stderr, "skipped skip") {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}

// asNobody returns the command prefix that runs the binary as an
// unprivileged user: none when the tests are not root, setpriv to uid
// 65534 when they are (root reads mode 000 files). It makes the binary
// and dirs reachable for that user.
func asNobody(t *testing.T, dirs ...string) []string {
	t.Helper()
	if os.Getuid() != 0 {
		return nil
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("running as root without setpriv (util-linux): cannot test as an unprivileged user")
	}
	for _, d := range append(dirs, filepath.Dir(binary)) {
		for p := d; p != "/" && p != "."; p = filepath.Dir(p) {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
				os.Chmod(p, fi.Mode().Perm()|0o005)
			}
		}
	}
	return []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"}
}

func runAs(t *testing.T, prefix []string, args ...string) result {
	t.Helper()
	if prefix == nil {
		return run(t, nil, args...)
	}
	cmd := exec.Command(prefix[0], append(append(prefix[1:], binary), args...)...)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME=/nonexistent", "DETECTOR_MODEL=", "HOME=/nonexistent")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// An unreadable sample is an error row and status 2 for detect, and for
// train a skipped sample, named, and status 2; before, it was skipped with
// a warning only.
func TestUnreadableSample(t *testing.T) {
	m := trainCSVModel(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.csv"), filepath.Join(dir, "bad.csv")
	writeTable(t, good, 5, 2, 0)
	writeTable(t, bad, 5, 3, 0)
	os.Chmod(m, 0o644)
	prefix := asNobody(t, dir, m)
	if err := os.Chmod(bad, 0); err != nil {
		t.Fatal(err)
	}

	r := runAs(t, prefix, "detect", "--model", m, "--output", "json", dir)
	rows := jsonRows(t, r.stdout)
	if r.code != 2 || len(rows) != 6 || rows[0]["sample"] != bad || rows[0]["verdict"] != "error" ||
		!strings.Contains(fmt.Sprint(rows[0]["error"]), "permission denied") {
		t.Errorf("detect folder: exit %d, rows %v, stderr %s", r.code, rows, r.stderr)
	}
	r = runAs(t, prefix, "detect", "--model", m, "--output", "csv", bad)
	if recs := csvRows(t, r.stdout); r.code != 2 || len(recs) != 2 || recs[1][1] != "error" || strings.Contains(r.stderr, "no samples found") {
		t.Errorf("detect file: exit %d, rows %q, stderr %s", r.code, recs, r.stderr)
	}
	// train learns from the readable sample, names the unreadable one and
	// exits 2.
	outDir := t.TempDir()
	os.Chmod(outDir, 0o777)
	asNobody(t, outDir)
	out := filepath.Join(outDir, "new.gob")
	r = runAs(t, prefix, "train", "--model", out, dir)
	if r.code != 2 || !strings.Contains(r.stderr, "detector: warning: skip training sample: open "+bad+": permission denied") ||
		!strings.Contains(r.stderr, "1 of 6 training samples unusable and skipped") {
		t.Errorf("train: exit %d, stderr %s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("train wrote no model from the readable samples: %v", err)
	}
	// Alone, the unreadable sample leaves nothing to train on.
	r = runAs(t, prefix, "train", "--model", filepath.Join(outDir, "none.gob"), bad)
	wantError(t, r, "permission denied")
	if _, err := os.Stat(filepath.Join(outDir, "none.gob")); err == nil {
		t.Error("train wrote a model from no usable sample")
	}
}

// A run in which the sample never started is an error for it, with the
// reason; before, strace's failed execve became the sample's behaviour
// (total_calls 1) and a confident verdict.
func TestExecSampleThatCannotStart(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	dir := t.TempDir()
	noexec, garbage, noshebang := filepath.Join(dir, "noexec.sh"), filepath.Join(dir, "garbage"), filepath.Join(dir, "noshebang")
	os.WriteFile(noexec, []byte("#!/bin/sh\necho hi\n"), 0o644)
	os.WriteFile(garbage, []byte("\x00\x01\x02\xff binary"), 0o755)
	os.WriteFile(noshebang, []byte("echo hi\n"), 0o755)
	m := trainCSVModel(t)
	r := run(t, nil, "detect", "--tracer", "strace", "--input", "exec", "--output", "json", "--model", m, noexec, garbage, noshebang)
	rows := jsonRows(t, r.stdout)
	if r.code != 2 || len(rows) != 3 {
		t.Fatalf("exit %d, rows %v, stderr %s", r.code, rows, r.stderr)
	}
	for i, want := range []string{"permission denied", "exec format error"} {
		if rows[i]["verdict"] != "error" || !strings.Contains(fmt.Sprint(rows[i]["error"]), "did not start: execve failed: "+want) {
			t.Errorf("row %d: %v", i, rows[i])
		}
	}
	// A shell script without #! runs with /bin/sh, as a shell would run it.
	if run, _ := rows[2]["run"].(map[string]any); rows[2]["verdict"] == "error" || run["stdout"] != "hi\n" {
		t.Errorf("script without #!: %v", rows[2])
	}
	wantError(t, run(t, nil, "features", "--tracer", "strace", "--input", "exec", noexec), "did not start")
}
