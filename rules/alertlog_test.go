package rules_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"detector/rules"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func readRecords(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, sc.Text())
		}
		ts, _ := m["timestamp"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") {
			t.Fatalf("timestamp %q is not RFC 3339 UTC", ts)
		}
		out = append(out, m)
	}
	return out
}

// TestCooldown: 100 hits in one second give one alert and one summary
// with count 100; a hit after the window opens a new one.
func TestCooldown(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{time.Date(2026, 11, 22, 9, 0, 0, 0, time.FixedZone("x", 3600))}
	l := rules.NewAlertLog(&buf, rules.LogOptions{Host: "h", Version: "v", Now: clk.now})
	for i := 0; i < 100; i++ {
		if err := l.Alert(rules.LogAlert{Rule: "read-shadow", Severity: rules.Warning, Sample: "/s", Count: 1}); err != nil {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(10 * time.Millisecond)
	}
	if n := len(readRecords(t, buf.Bytes())); n != 1 {
		t.Fatalf("%d records during the window, want 1", n)
	}
	clk.t = clk.t.Add(61 * time.Second)
	if err := l.Alert(rules.LogAlert{Rule: "read-shadow", Severity: rules.Warning, Sample: "/s", Count: 1}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, buf.Bytes())
	if len(recs) != 3 {
		t.Fatalf("%d records, want alert, summary, alert:\n%s", len(recs), buf.String())
	}
	if recs[0]["kind"] != "alert" || recs[0]["count"] != 1.0 || recs[0]["host"] != "h" || recs[0]["tool"] != "detector" || recs[0]["severity"] != "WARNING" {
		t.Errorf("first record %v", recs[0])
	}
	if recs[1]["kind"] != "summary" || recs[1]["count"] != 100.0 || recs[1]["first"] != "2026-11-22T08:00:00Z" || recs[1]["last"] != "2026-11-22T08:00:00.99Z" {
		t.Errorf("summary %v", recs[1])
	}
	if recs[2]["kind"] != "alert" {
		t.Errorf("third record %v", recs[2])
	}
	for _, k := range []string{"timestamp", "host", "tool", "version", "rule", "severity", "sample", "sample_sha256", "process", "evidence", "count", "algorithm", "score", "confidence", "verdict"} {
		if _, ok := recs[0][k]; !ok {
			t.Errorf("record lacks %q", k)
		}
	}
}

// TestCooldownKeys: other rules, samples and executables have their own
// windows.
func TestCooldownKeys(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{time.Unix(1e9, 0)}
	l := rules.NewAlertLog(&buf, rules.LogOptions{Now: clk.now})
	for _, a := range []rules.LogAlert{{Rule: "a", Sample: "/s"}, {Rule: "b", Sample: "/s"}, {Rule: "a", Sample: "/t"}, {Rule: "a", Sample: "/s", Exe: "/x"}, {Rule: "a", Sample: "/s"}} {
		l.Alert(a)
	}
	l.Close()
	recs := readRecords(t, buf.Bytes())
	if len(recs) != 5 {
		t.Fatalf("%d records, want 4 alerts and 1 summary:\n%s", len(recs), buf.String())
	}
	if recs[4]["kind"] != "summary" || recs[4]["rule"] != "a" || recs[4]["sample"] != "/s" || recs[4]["count"] != 2.0 {
		t.Errorf("summary %v", recs[4])
	}
}

// TestAlertLogConcurrent: many goroutines writing long records never
// interleave lines, through a file opened for appending with mode 0600.
func TestAlertLogConcurrent(t *testing.T) {
	name := filepath.Join(t.TempDir(), "alerts.jsonl")
	l, err := rules.OpenAlertLog(name, rules.LogOptions{Cooldown: -1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ev := []rules.Evidence{{PID: g, Syscall: strings.Repeat(fmt.Sprint(g), 3000)}}
				if err := l.Alert(rules.LogAlert{Rule: fmt.Sprintf("r%d", g), Sample: "/s", Evidence: ev}); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(name)
	recs := readRecords(t, b)
	if len(recs) != 1600 {
		t.Fatalf("%d records, want 1600", len(recs))
	}
	// Appending: a second log adds to the file.
	l2, err := rules.OpenAlertLog(name, rules.LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l2.Alert(rules.LogAlert{Rule: "x"})
	l2.Close()
	b, _ = os.ReadFile(name)
	if n := len(readRecords(t, b)); n != 1601 {
		t.Fatalf("%d records after appending, want 1601", n)
	}
}

func TestOpenAlertLogRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := rules.OpenAlertLog(dir, rules.LogOptions{}); err == nil {
		t.Error("a folder was accepted as alert log")
	}
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "target"), link)
	if _, err := rules.OpenAlertLog(link, rules.LogOptions{}); err == nil {
		t.Error("a symbolic link was followed")
	}
	if _, err := os.Stat(filepath.Join(dir, "target")); err == nil {
		t.Error("the link's target was created")
	}
}

// TestCooldownKeepsNew: a failed read of /etc/shadow followed within the
// cooldown by a successful one logs both, each with its evidence; a true
// repeat (same outcome and object) is folded into the count; another
// object or another uid is logged.
func TestCooldownKeepsNew(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	clk := &fakeClock{time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	l := rules.NewAlertLog(&buf, rules.LogOptions{Now: clk.now})
	e := set.NewEngine(rules.Options{OnHit: func(h rules.Hit) {
		clk.t = clk.t.Add(time.Second)
		err := l.Alert(rules.LogAlert{Rule: h.Rule, Severity: h.Severity, Sample: "live", Exe: h.Process.Exe, Process: h.Process,
			Evidence: []rules.Evidence{h.Evidence}, Count: 1, Outcome: h.Outcome, Object: h.Object})
		if err != nil {
			t.Fatal(err)
		}
	}})
	parseInto(t, e, `7 1.0 execve("/usr/bin/cat", ["cat", "/etc/shadow"], []) = 0
7 1.1 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
7 1.2 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = 3
7 1.3 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = 4
7 1.4 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
7 1.5 openat(AT_FDCWD, "/etc/gshadow", O_RDONLY) = 5
`)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range readRecords(t, buf.Bytes()) {
		ev := ""
		if evs, _ := r["evidence"].([]any); len(evs) > 0 {
			ev = evs[0].(map[string]any)["syscall"].(string)
		}
		got = append(got, fmt.Sprintf("%s %v %v %v | %s", r["kind"], r["outcome"], r["object"], r["count"], ev))
	}
	want := []string{
		`alert failed /etc/shadow 1 | openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = -1 EACCES`,
		`alert succeeded /etc/shadow 1 | openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = 3`,
		`alert succeeded /etc/gshadow 1 | openat(AT_FDCWD, "/etc/gshadow", O_RDONLY) = 5`,
	}
	// The two windows close at Close in either order; each summary counts
	// its window: two failures, three successes.
	if len(got) != 5 || strings.Join(got[:3], "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant first:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	sums := got[3] + "\n" + got[4]
	if !strings.Contains(sums, "summary failed /etc/shadow 2 |") || !strings.Contains(sums, "summary succeeded /etc/shadow 3 |") {
		t.Errorf("summaries:\n%s", sums)
	}

	// Another uid is its own window; objects past MaxWindowObjects are
	// folded and counted.
	buf.Reset()
	l = rules.NewAlertLog(&buf, rules.LogOptions{Now: clk.now})
	uid0, uid1000 := 0, 1000
	for _, u := range []*int{&uid1000, &uid1000, &uid0, nil} {
		l.Alert(rules.LogAlert{Rule: "read-shadow", Sample: "live", Outcome: "succeeded", Object: "/etc/shadow", UID: u})
	}
	for i := range rules.MaxWindowObjects + 5 {
		l.Alert(rules.LogAlert{Rule: "mass-rename", Sample: "live", Outcome: "succeeded", Object: fmt.Sprintf("/home/u/f%d", i)})
	}
	l.Close()
	alerts, folded := map[string]int{}, 0.0
	for _, r := range readRecords(t, buf.Bytes()) {
		if r["kind"] == "alert" {
			alerts[r["rule"].(string)]++
		} else if r["rule"] == "mass-rename" {
			folded = r["folded_objects"].(float64)
		}
	}
	if alerts["read-shadow"] != 3 || alerts["mass-rename"] != rules.MaxWindowObjects || folded != 5 {
		t.Errorf("alerts %v, folded objects %v", alerts, folded)
	}
}

// TestEvidenceKeepsNewOutcome: after five failed reads of /etc/shadow, a
// successful one is still kept as the finding's evidence; more of either
// are only counted.
func TestEvidenceKeepsNewOutcome(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := set.NewEngine(rules.Options{})
	text := "7 1.0 execve(\"/usr/bin/cat\", [\"cat\"], []) = 0\n"
	for i := range 8 {
		text += fmt.Sprintf("7 1.%d openat(AT_FDCWD, \"/etc/shadow\", O_RDONLY) = -1 EACCES (Permission denied)\n", i+1)
	}
	text += "7 2.0 openat(AT_FDCWD, \"/etc/shadow\", O_RDONLY) = 3\n7 2.1 openat(AT_FDCWD, \"/etc/shadow\", O_RDONLY) = 4\n"
	parseInto(t, e, text)
	for _, f := range e.Findings() {
		if f.Rule != "read-shadow" {
			continue
		}
		if f.Count != 10 || len(f.Evidence) != rules.MaxEvidence+1 || !strings.HasSuffix(f.Evidence[rules.MaxEvidence].Syscall, "O_RDONLY) = 3") {
			t.Errorf("count %d, evidence %v", f.Count, f.Evidence)
		}
		return
	}
	t.Fatal("no read-shadow finding")
}

// Live monitoring's evidence carries its time also as RFC 3339 (UTC);
// detect's, whose times are the trace's, does not.
func TestLiveEvidenceTime(t *testing.T) {
	var buf bytes.Buffer
	l := rules.NewAlertLog(&buf, rules.LogOptions{Cooldown: -1})
	at := 1795353674.6
	ev := []rules.Evidence{{PID: 9, Time: &at, Syscall: "openat(AT_FDCWD, \"/etc/shadow\", O_RDONLY) = ?"}, {PID: 9, Syscall: "read(3, ...) = ?"}}
	for _, source := range []string{"ebpf", ""} {
		if err := l.Alert(rules.LogAlert{Rule: "read-shadow", Severity: rules.Warning, Sample: "/s" + source, Source: source, Evidence: ev}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, buf.Bytes())
	live := recs[0]["evidence"].([]any)
	if got := live[0].(map[string]any)["at"]; got != "2026-11-22T13:21:14.6Z" {
		t.Errorf("live evidence at %v, want 2026-11-22T13:21:14.6Z", got)
	}
	if _, ok := live[1].(map[string]any)["at"]; ok {
		t.Error("evidence without a time has an RFC 3339 one")
	}
	if _, ok := recs[1]["evidence"].([]any)[0].(map[string]any)["at"]; ok || ev[0].At != "" {
		t.Error("detect's evidence, or the caller's, got an RFC 3339 time")
	}
}

// Reopen after a rename (logrotate) sends later records to a new file
// of the log's name; writers running meanwhile lose no record: each is in
// one of the two files, whole.
func TestAlertLogReopen(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "alerts.jsonl")
	var written int
	var mu sync.Mutex
	l, err := rules.OpenAlertLog(name, rules.LogOptions{Cooldown: -1, Written: func(*rules.LogRecord) { mu.Lock(); written++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := l.Alert(rules.LogAlert{Rule: "r", Sample: fmt.Sprintf("%d-%d", w, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := l.Alert(rules.LogAlert{Rule: "r", Sample: "after"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(name + ".1")
	cur, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("no new file after Reopen: %v", err)
	}
	seen := map[string]int{}
	for _, b := range [][]byte{old, cur} {
		for _, r := range readRecords(t, b) {
			seen[r["sample"].(string)]++
		}
	}
	if len(seen) != writers*each+1 || written != writers*each+1 {
		t.Errorf("%d distinct records in the two files, %d written, want %d", len(seen), written, writers*each+1)
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("%s written %d times", s, n)
		}
	}
	if !bytes.Contains(cur, []byte(`"sample":"after"`)) || bytes.Contains(old, []byte(`"sample":"after"`)) {
		t.Error("the record after Reopen is not in the new file alone")
	}
	if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file: %v %v", fi.Mode(), err)
	}
	// A log that is not a file has nothing to reopen.
	if err := rules.NewAlertLog(&bytes.Buffer{}, rules.LogOptions{}).Reopen(); err != nil {
		t.Error(err)
	}
}

type recSink struct {
	recs   []*rules.LogRecord
	lines  []string
	closed bool
}

func (s *recSink) WriteRecord(r *rules.LogRecord, line []byte) error {
	s.recs = append(s.recs, r)
	s.lines = append(s.lines, string(line))
	return nil
}
func (s *recSink) Close() error { s.closed = true; return nil }

// A sink receives each record with its JSON line, and is closed with the
// log; a write after Close is an error, not a panic.
func TestSinkLog(t *testing.T) {
	s := &recSink{}
	l := rules.NewSinkLog(s, rules.LogOptions{})
	l.Alert(rules.LogAlert{Rule: "read-shadow", Severity: rules.Warning, Process: &rules.Process{PID: 7}})
	l.Drop("ebpf", 3)
	if err := l.Close(); err != nil || !s.closed {
		t.Fatalf("close: %v, closed %v", err, s.closed)
	}
	if len(s.recs) != 2 || s.recs[0].Rule != "read-shadow" || s.recs[1].Kind != "drop" || !strings.HasSuffix(s.lines[0], "}\n") {
		t.Fatalf("records %v lines %q", s.recs, s.lines)
	}
	if err := l.Alert(rules.LogAlert{Rule: "x"}); err == nil {
		t.Error("a write after Close succeeded")
	}
}
