package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// trainTraces trains a model on the recorded fixture traces, which the
// behaviour tests' samples are then judged against.
func trainTraces(t *testing.T) string {
	t.Helper()
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--model", m, "--input", "strace", "fixtures/traces/simple.trace", "fixtures/traces/pipeline.trace", "fixtures/traces/stderr.trace", "testdata/behaviour/quiet.strace"); r.code != 0 {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	return m
}

type jsonFindingRow struct {
	Sample   string
	Verdict  string
	Severity string
	Findings []struct {
		Rule     string
		Severity string
		Count    int
		Message  string
		Evidence []struct {
			PID     int
			Time    *float64
			Syscall string
		}
		Process struct {
			PID  int
			Exe  string
			Argv []string
		}
	}
}

func detectJSON(t *testing.T, args ...string) ([]jsonFindingRow, result) {
	t.Helper()
	r := run(t, nil, append([]string{"detect", "--output", "json"}, args...)...)
	var rows []jsonFindingRow
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l == "" {
			continue
		}
		var row jsonFindingRow
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rows = append(rows, row)
	}
	return rows, r
}

// A recorded trace that reads /etc/shadow gets the read-shadow finding with
// its evidence, whatever the model says; a quiet one gets none; --fail-on
// and --rules off change the status and the findings as documented.
func TestDetectBehaviourRules(t *testing.T) {
	m := trainTraces(t)
	shadow, quiet := "testdata/behaviour/shadow.strace", "testdata/behaviour/quiet.strace"
	rows, r := detectJSON(t, "--model", m, "--input", "strace", shadow, quiet)
	if len(rows) != 2 {
		t.Fatalf("%d rows: %s %s", len(rows), r.stdout, r.stderr)
	}
	s := rows[0]
	if len(s.Findings) == 0 || s.Findings[0].Rule != "read-shadow" || s.Findings[0].Severity != "WARNING" || s.Findings[0].Count != 1 {
		t.Fatalf("findings of %s: %+v", shadow, s.Findings)
	}
	// The rest are the model's (the default, profile): its own evidence
	// names the read its training never saw.
	profileSaw := false
	for _, f := range s.Findings[1:] {
		if f.Rule != "model-anomaly" && !strings.HasPrefix(f.Rule, "profile-") {
			t.Errorf("a second rule finding on %s: %+v", shadow, f)
		}
		profileSaw = profileSaw || f.Rule == "profile-new-file" && strings.Contains(f.Message, "cat read /etc/shadow")
	}
	if !profileSaw {
		t.Errorf("the profile model does not say cat read /etc/shadow: %+v", s.Findings)
	}
	f := s.Findings[0]
	if len(f.Evidence) != 1 || f.Evidence[0].PID != 100 || f.Evidence[0].Time == nil || *f.Evidence[0].Time != 1700000000.0005 ||
		!strings.Contains(f.Evidence[0].Syscall, `"/etc/shadow"`) || f.Process.Exe != "/usr/bin/cat" || strings.Join(f.Process.Argv, " ") != "cat /etc/shadow" {
		t.Errorf("evidence %+v process %+v", f.Evidence, f.Process)
	}
	if s.Severity != "WARNING" && s.Severity != "ALERT" {
		t.Errorf("severity %s", s.Severity)
	}
	if q := rows[1]; len(q.Findings) != 0 || q.Verdict == "normal" && q.Severity != "NONE" {
		t.Errorf("quiet sample: %+v", q)
	}
	if r.code != 1 {
		t.Errorf("a WARNING finding: exit %d, want 1 (--fail-on WARNING by default)", r.code)
	}

	// --fail-on ALERT: the WARNING alone no longer fails the run (unless
	// the model calls a sample anomalous).
	rows, r = detectJSON(t, "--model", m, "--input", "strace", "--fail-on", "ALERT", shadow)
	if rows[0].Verdict == "normal" && rows[0].Severity == "WARNING" && r.code != 0 {
		t.Errorf("--fail-on ALERT with a WARNING: exit %d, want 0", r.code)
	}

	// --rules off: no rule's findings, the model's alone.
	rows, _ = detectJSON(t, "--model", m, "--input", "strace", "--rules", "off", shadow)
	for _, f := range rows[0].Findings {
		if f.Rule != "model-anomaly" && !strings.HasPrefix(f.Rule, "profile-") {
			t.Errorf("--rules off: finding %+v", f)
		}
	}

	// CSV: severity and id:SEVERITY:count.
	r = run(t, nil, "detect", "--model", m, "--input", "strace", "--output", "csv", shadow)
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if got := recs[1][col["findings"]]; !strings.HasPrefix(got, "read-shadow:WARNING:1") {
		t.Errorf("CSV findings %q", got)
	}

	// Bad flags are errors before anything is read.
	wantError(t, run(t, nil, "detect", "--model", m, "--fail-on", "LOUD", shadow), "--fail-on")
	wantError(t, run(t, nil, "detect", "--model", m, "--rules", "off", "--rules", "x.yaml", shadow), "--rules off")
}

// --log appends one JSON object per finding with what a SIEM needs; the
// file is created with mode 0600 and a second run appends.
func TestDetectAlertLog(t *testing.T) {
	m := trainTraces(t)
	log := filepath.Join(t.TempDir(), "alerts.jsonl")
	for range 2 {
		if r := run(t, nil, "detect", "--model", m, "--input", "strace", "--log", log, "testdata/behaviour/shadow.strace"); r.code == 2 {
			t.Fatalf("detect: %s", r.stderr)
		}
	}
	fi, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, want 0600", fi.Mode().Perm())
	}
	f, _ := os.Open(log)
	defer f.Close()
	sc := bufio.NewScanner(f)
	alerts := 0
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		if rec["kind"] != "alert" {
			continue
		}
		alerts++
		if _, err := time.Parse(time.RFC3339, rec["timestamp"].(string)); err != nil {
			t.Errorf("timestamp %v", rec["timestamp"])
		}
		abs, _ := filepath.Abs("testdata/behaviour/shadow.strace")
		if rec["rule"] != "read-shadow" || rec["severity"] != "WARNING" || rec["sample"] != abs || rec["tool"] != "detector" ||
			len(rec["sample_sha256"].(string)) != 64 || rec["algorithm"] != "profile" || rec["verdict"] == "" || rec["score"] == nil {
			t.Errorf("record %v", rec)
		}
	}
	if alerts != 2 {
		t.Errorf("%d alert records after two runs, want 2", alerts)
	}
}

// ADFA-LD traces hold no arguments: detect says so once, and every row
// has "findings": [].
func TestDetectBehaviourADFA(t *testing.T) {
	m := filepath.Join(t.TempDir(), "m.gob")
	if r := run(t, nil, "train", "--model", m, "--input", "adfa", "fixtures/adfa", "fixtures/adfa"); r.code != 0 && !strings.Contains(r.stderr, "trained") {
		t.Skipf("train on two ADFA traces: %s", r.stderr)
	}
	r := run(t, nil, "detect", "--model", m, "--input", "adfa", "--output", "json", "fixtures/adfa")
	if n := strings.Count(r.stderr, "no behaviour rules applied"); n != 1 {
		t.Errorf("stderr says %d times that no rules applied: %s", n, r.stderr)
	}
	if strings.Count(r.stdout, `"findings":[]`) != 2 {
		t.Errorf("rows without findings: %s", r.stdout)
	}
}

// detect --threshold moves the decision boundary without retraining: with
// a threshold above every score all samples are anomalous, the summary says
// so, and rarity stays the model's.
func TestDetectThreshold(t *testing.T) {
	m := trainTraces(t)
	samples := []string{"--input", "strace", "--rules", "off", "fixtures/traces/simple.trace", "testdata/behaviour/quiet.strace"}
	plain, _ := detectJSON(t, append([]string{"--model", m}, samples...)...)
	moved, r := detectJSON(t, append([]string{"--model", m, "--threshold", "1000"}, samples...)...)
	if r.code != 1 {
		t.Errorf("exit %d with every sample anomalous", r.code)
	}
	for i := range moved {
		if moved[i].Verdict != "anomalous" {
			t.Errorf("--threshold 1000: %s is %s", moved[i].Sample, moved[i].Verdict)
		}
	}
	var raw []map[string]any
	for _, args := range [][]string{append([]string{"detect", "--output", "json", "--model", m}, samples...), append([]string{"detect", "--output", "json", "--model", m, "--threshold", "1000"}, samples...)} {
		out := run(t, nil, args...).stdout
		var row map[string]any
		if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &row); err != nil {
			t.Fatal(err)
		}
		raw = append(raw, row)
	}
	if r0, ok := raw[0]["rarity"].(float64); !ok || r0 < 0 || r0 > 1 || raw[0]["rarity"] != raw[1]["rarity"] || raw[0]["score"] != raw[1]["score"] {
		t.Errorf("rarity or score changed with the threshold: %v / %v", raw[0], raw[1])
	}
	tab := run(t, nil, append([]string{"detect", "--model", m, "--threshold", "1000"}, samples...)...)
	if !strings.Contains(tab.stdout, "Threshold: 1000 (a score below it is anomalous") {
		t.Errorf("summary does not name the threshold:\n%s", tab.stdout)
	}
	if plain[1].Verdict != "normal" {
		t.Errorf("without --threshold the training sample %s is %s", plain[1].Sample, plain[1].Verdict)
	}
	wantError(t, run(t, nil, append([]string{"detect", "--model", m, "--threshold", "NaN"}, samples...)...), "--threshold")
}

// --version names the version and the commit the binary was built from
// ("unknown" when the build recorded none, as with -buildvcs=false).
func TestVersion(t *testing.T) {
	r := run(t, nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "detector version "+version+", commit ") || !strings.Contains(r.stdout, "built from sources of") {
		t.Errorf("--version: %d %q", r.code, r.stdout)
	}
}

// The JSON Lines carry what a SIEM needs: when, where, which tool, which
// file (absolute path, digest, size) and which model.
func TestDetectJSONFields(t *testing.T) {
	m := trainTraces(t)
	r := run(t, nil, "detect", "--model", m, "--output", "json", "--input", "strace", "testdata/behaviour/shadow.strace")
	var row map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &row); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	abs, _ := filepath.Abs("testdata/behaviour/shadow.strace")
	data, _ := os.ReadFile(abs)
	sum := sha256.Sum256(data)
	if row["path"] != abs || row["sha256"] != hex.EncodeToString(sum[:]) || row["size"] != float64(len(data)) {
		t.Errorf("file fields: %v %v %v", row["path"], row["sha256"], row["size"])
	}
	if ts, _ := row["timestamp"].(string); ts == "" || !strings.HasSuffix(ts, "Z") {
		t.Errorf("timestamp %v", row["timestamp"])
	} else if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("timestamp %v: %v", ts, err)
	}
	host, _ := os.Hostname()
	if row["host"] != host || row["tool_version"] != version {
		t.Errorf("host %v, tool_version %v", row["host"], row["tool_version"])
	}
	mdata, _ := os.ReadFile(m)
	msum := sha256.Sum256(mdata)
	mod, _ := row["model"].(map[string]any)
	if mod["sha256"] != hex.EncodeToString(msum[:]) || mod["algorithm"] != "profile" {
		t.Errorf("model %v", mod)
	}
	if _, err := time.Parse(time.RFC3339, mod["trained_at"].(string)); err != nil {
		t.Errorf("trained_at %v", mod["trained_at"])
	}
	// A CSV row has no file of its own.
	cm := trainCSVModel(t)
	table := filepath.Join(t.TempDir(), "test.csv")
	writeTable(t, table, 3, 2, 0)
	r = run(t, nil, "detect", "--model", cm, "--output", "json", "--input", "csv", table)
	if !strings.Contains(r.stdout, `"path":null,"sha256":null,"size":null`) {
		t.Errorf("CSV rows: %s", r.stdout)
	}
}

// detector trace exits with the traced command's status and keeps its
// output: on stderr, or in --output-dir.
func TestTraceExitStatusAndOutput(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	r := run(t, nil, "trace", "--out", os.DevNull, "--", "/bin/sh", "-c", "echo hi; echo oops >&2; exit 7")
	if r.code != 7 || !strings.Contains(r.stderr, "stdout: hi\n") || !strings.Contains(r.stderr, "stderr: oops\n") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r := run(t, nil, "trace", "--out", os.DevNull, "--", "/bin/sh", "-c", "kill -TERM $$"); r.code != 128+15 {
		t.Errorf("killed by SIGTERM: exit %d, want 143", r.code)
	}
	dir := t.TempDir()
	if r := run(t, nil, "trace", "--out", os.DevNull, "--output-dir", dir, "--", "/bin/sh", "-c", "echo kept"); r.code != 0 || strings.Contains(r.stderr, "stdout:") {
		t.Errorf("--output-dir: exit %d, stderr %q", r.code, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "stdout.txt")); err != nil || string(b) != "kept\n" {
		t.Errorf("stdout.txt %q %v", b, err)
	}
}

// In auto mode an executable text file without #! is skipped with a hint
// naming --input exec, which runs it with /bin/sh.
func TestScriptWithoutShebangHint(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "plain.sh")
	os.WriteFile(p, []byte("echo hi\n"), 0o755)
	r := run(t, nil, "features", p)
	if !strings.Contains(r.stderr, "without #! (give --input exec to run it with /bin/sh)") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// The root command takes train's and detect's flags together (for the
// --train DIR and --detect DIR spellings), keeping the first of two flags
// with one name: no detect flag may share a name with a training
// parameter, or --detect would read train's value.
func TestNoFlagClash(t *testing.T) {
	train := map[string]bool{}
	for _, f := range trainFlags() {
		for _, n := range f.Names() {
			train[n] = true
		}
	}
	common := map[string]bool{}
	for _, f := range append(append(append(inputFlags(), commandFlags()...), execFlags()...), modelFlag()) {
		for _, n := range f.Names() {
			common[n] = true
		}
	}
	for _, f := range detectFlags() {
		for _, n := range f.Names() {
			if train[n] && !common[n] {
				t.Errorf("detect's --%s is also a training flag", n)
			}
		}
	}
	// The README's first command: --detect with no threshold given.
	m := trainTraces(t)
	r := run(t, nil, "--detect", "testdata/behaviour/quiet.strace", "--model", m, "--input", "strace")
	if strings.Contains(r.stdout, "threshold") {
		t.Errorf("--detect uses a threshold nobody gave:\n%s", r.stdout)
	}
}

// An ELF file without the execute bit (as malware pulled out of an archive
// is) is traced from a private executable copy; the user's file keeps its
// mode, and no copy is left behind.
func TestELFWithoutExecuteBit(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (apt-get install strace)")
	}
	data, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip("no /bin/true to copy")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "payload")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	r := run(t, []string{"TMPDIR=" + tmp}, "features", "--output", "json", p)
	if r.code != 0 || !strings.Contains(r.stdout, `"total_calls"`) {
		t.Fatalf("features: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("the sample's mode changed to %v", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "detector-exec-*")); len(left) > 0 {
		t.Errorf("copies left behind: %v", left)
	}
}
