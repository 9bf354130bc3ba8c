package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"detector/model"
)

var sum = Summary{
	FeatureNames: []string{"total_calls", "network_ratio"},
	Algorithm:    "Local Outlier Factor",
	Params:       "neighbors=20, contamination=auto",
	TrainSamples: 28,
	Trained:      time.Date(2026, 11, 21, 19, 57, 0, 0, time.UTC),
	Elapsed:      2500 * time.Millisecond,
}

var rows = []Row{
	{Sample: "bins/nc", Verdict: Anomalous, Score: -0.4321, Confidence: 0.92,
		Features:   []float64{120, 0.25},
		Deviations: []model.Deviation{{Feature: "network_ratio", Z: 4.234}, {Feature: "total_calls", Z: -1.05}},
		Run:        &RunInfo{ExitCode: 1, TimedOut: true, Stdout: "hi", Seconds: 10}},
	{Sample: "bins/ls", Verdict: Normal, Score: 0.5, Confidence: 0.95, Rarity: 0.4286,
		Features: []float64{300, 0}, Deviations: []model.Deviation{{Feature: "total_calls", Z: 0.3}, {Feature: "network_ratio", Z: -0.1}}},
	{Sample: "bins/empty", Verdict: Error, Err: "bins/empty: trace has no system calls\nsecond line"},
}

// The wide table keeps one line per sample, nothing shortened.
func TestWideTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTableWith(&b, rows, sum, TableOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"SAMPLE", "CONFIDENCE", "RARITY", "SEVERITY", "FINDINGS", "TOP DEVIATIONS",
		"bins/nc", "WARNING (timed out)", "-0.4321", "0.92", "│      0 │", "network_ratio +4.2σ, total_calls -1.1σ",
		"bins/ls", "NONE", "+0.5000", "│   0.43 │",
		"bins/empty", "│ error", "trace has no system calls ...",
		"Attention: 1 of 3 samples: ALERT 0, WARNING 1, INFO 0\nScanned:   3 samples, 1 with nothing found (NONE)\nAnomalous: 1 by the model (its model-anomaly finding)\nErrors:    1\nTime:      2.5 s\n",
		"Model:     Local Outlier Factor (neighbors=20, contamination=auto), trained on 28 samples on 2026-11-21 19:57 UTC\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "second line") {
		t.Error("a multi-line error broke the table")
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, rows, sum); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	// Features keep the documented order, not JSON's sorted order.
	if !strings.Contains(lines[0], `"features":{"total_calls":120,"network_ratio":0.25}`) {
		t.Errorf("features out of order: %s", lines[0])
	}
	var r struct {
		Sample     string   `json:"sample"`
		Verdict    string   `json:"verdict"`
		Score      *float64 `json:"score"`
		Confidence *float64 `json:"confidence"`
		Deviations []struct {
			Feature string  `json:"feature"`
			Z       float64 `json:"z"`
		} `json:"deviations"`
		Error string `json:"error"`
		Run   *struct {
			TimedOut bool   `json:"timed_out"`
			Stdout   string `json:"stdout"`
		} `json:"run"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Sample != "bins/nc" || r.Verdict != Anomalous || *r.Score != -0.4321 || *r.Confidence != 0.92 ||
		r.Deviations[0].Feature != "network_ratio" || r.Deviations[0].Z != 4.234 || !r.Run.TimedOut || r.Run.Stdout != "hi" {
		t.Errorf("first row decoded as %+v", r)
	}
	r.Score = nil
	if err := json.Unmarshal([]byte(lines[2]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Error || r.Score != nil || !strings.Contains(r.Error, "no system calls") {
		t.Errorf("error row decoded as %+v", r)
	}
	if !strings.Contains(lines[2], `"score":null`) || !strings.Contains(lines[2], `"deviations":[]`) {
		t.Errorf("error row lacks null score or empty deviations: %s", lines[2])
	}
}

func TestFloatsNonFinite(t *testing.T) {
	b, err := json.Marshal(Floats{Names: []string{"a", "b"}, Values: []float64{math.NaN(), 1.5}})
	if err != nil || string(b) != `{"a":null,"b":1.5}` {
		t.Fatalf("%s %v", b, err)
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, rows, sum); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(recs[0], ",")
	if head != "sample,verdict,score,confidence,total_calls,network_ratio,dev1_feature,dev1_z,dev2_feature,dev2_z,dev3_feature,dev3_z,severity,findings,error,exit_code,timed_out,truncated,memory_limited,rarity" {
		t.Fatalf("header %s", head)
	}
	if got := strings.Join(recs[1], ","); got != "bins/nc,anomalous,-0.4321,0.92,120,0.25,network_ratio,4.234,total_calls,-1.05,,,WARNING,,,1,true,false,false,0" {
		t.Errorf("row 1: %s", got)
	}
	if recs[3][1] != Error || recs[3][2] != "" || recs[3][len(recs[3])-1] != "" || !strings.Contains(recs[3][14], "no system calls") {
		t.Errorf("error row: %v", recs[3])
	}
}

func TestFeatureTables(t *testing.T) {
	fr := []FeatureRow{{Sample: "a b,c", Features: []float64{1, 0.5}, Syscalls: map[string]int64{"read": 3, "brk": 1}}}
	var b bytes.Buffer
	if err := WriteFeaturesCSV(&b, sum.FeatureNames, fr, CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "sample,total_calls,network_ratio\n\"a b,c\",1,0.5\n" {
		t.Errorf("csv: %q", b.String())
	}
	b.Reset()
	if err := WriteFeaturesJSON(&b, sum.FeatureNames, fr); err != nil {
		t.Fatal(err)
	}
	if want := `{"sample":"a b,c","features":{"total_calls":1,"network_ratio":0.5},"syscalls":{"brk":1,"read":3}}` + "\n"; b.String() != want {
		t.Errorf("json: %s", b.String())
	}
}

func TestFormatFloat(t *testing.T) {
	for v, want := range map[float64]string{1164068: "1164068", 0.25: "0.25", -3: "-3", 1e-7: "1e-07", 1e20: "1e+20", math.NaN(): ""} {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestSeverityAndFindings(t *testing.T) {
	for _, c := range []struct {
		verdict string
		conf    float64
		want    string
	}{{Anomalous, 0.95, SeverityWarning}, {Anomalous, 0.9, SeverityWarning}, {Anomalous, 0.89, SeverityInfo}, {Normal, 1, SeverityNone}, {Error, 0, SeverityNone}} {
		if got := ModelSeverity(c.verdict, c.conf); got != c.want {
			t.Errorf("ModelSeverity(%s, %v) = %s, want %s", c.verdict, c.conf, got, c.want)
		}
	}
	if SeverityRank(SeverityAlert) <= SeverityRank(SeverityWarning) || SeverityRank("x") != -1 {
		t.Error("severity order")
	}
	f := []Finding{
		{Rule: "stdio-socket", Severity: SeverityAlert, Count: 3, Process: &Process{PID: 12, PPID: 1, Exe: "/bin/bash", Argv: []string{"bash", "-i"}, Chain: []string{"sh"}},
			Evidence: []Evidence{{PID: 12, Time: 1500 * time.Millisecond, HasTime: true, Syscall: "dup2(3, 0) = 0"}, {PID: 12, Syscall: "dup2(3, 1) = 1"}}},
		{Rule: "exec-memfd", Severity: SeverityWarning, Count: 1},
		{Rule: "outbound", Severity: SeverityInfo, Count: 1},
	}
	if got := FindingsText(f); got != "stdio-socket, exec-memfd +1" {
		t.Errorf("FindingsText = %q", got)
	}
	if got := FindingsText(f[:1]); got != "stdio-socket" {
		t.Errorf("FindingsText one = %q", got)
	}
	if got := findingsCSV(f[:2]); got != "stdio-socket:ALERT:3;exec-memfd:WARNING:1" {
		t.Errorf("findingsCSV = %q", got)
	}
	var b bytes.Buffer
	r := Row{Sample: "s", Verdict: Normal, Score: 1, Confidence: 1, Severity: SeverityAlert, Findings: f[:1]}
	if err := WriteJSON(&b, []Row{r, {Sample: "t", Verdict: Normal, Score: 1, Confidence: 0.5}}, sum); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := `"severity":"ALERT","findings":[{"rule":"stdio-socket","severity":"ALERT","count":3,"evidence":[{"pid":12,"time":1.5,"syscall":"dup2(3, 0) = 0"},{"pid":12,"time":null,"syscall":"dup2(3, 1) = 1"}],"process":{"pid":12,"ppid":1,"exe":"/bin/bash","argv":["bash","-i"],"chain":["sh"]}}]`
	if !strings.Contains(lines[0], want) {
		t.Errorf("JSON findings:\n%s\nwant it to contain\n%s", lines[0], want)
	}
	if !strings.Contains(lines[1], `"severity":"NONE","findings":[]`) {
		t.Errorf("JSON without findings: %s", lines[1])
	}
}

// JSON cannot carry NaN or infinities: a row holding one is still
// written, with null, instead of aborting the whole report.
func TestJSONNonFiniteNumbers(t *testing.T) {
	rows := []Row{{Sample: "x", Verdict: Anomalous, Score: math.Inf(-1), Confidence: math.NaN(),
		Deviations: []model.Deviation{{Feature: "a", Z: math.Inf(1)}}}}
	var b bytes.Buffer
	if err := WriteJSON(&b, rows, Summary{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Score      *float64
		Confidence *float64
		Deviations []struct{ Z *float64 }
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || got.Score != nil || got.Confidence != nil || got.Deviations[0].Z != nil {
		t.Errorf("%s: %v", b.String(), err)
	}
}

// A run that hit its memory bound says so in every format.
func TestMemoryLimitedRun(t *testing.T) {
	rs := []Row{{Sample: "bins/hog", Verdict: Anomalous, Score: -1, Confidence: 0.9,
		Features: []float64{10, 0}, Run: &RunInfo{ExitCode: 137, MemoryLimited: true}}}
	var tab, js, cs bytes.Buffer
	if err := WriteTable(&tab, rs, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.String(), "\n  (memory bound hit)\n") {
		t.Errorf("table lacks the memory note:\n%s", tab.String())
	}
	if err := WriteJSON(&js, rs, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"memory_limited":true`) {
		t.Errorf("JSON lacks memory_limited: %s", js.String())
	}
	if err := WriteCSV(&cs, rs, sum); err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(&cs).ReadAll(); err != nil || recs[1][len(recs[1])-2] != "true" {
		t.Errorf("CSV lacks memory_limited: %v, %v", recs, err)
	}
}

// --explain prints each finding's message, process and evidence below
// the table, escaped.
func TestTableExplain(t *testing.T) {
	r := Row{Sample: "s\x1b[2J", Verdict: Normal, Score: 1, Confidence: 0.9, Severity: SeverityWarning, Start: 1088 * time.Millisecond, HasStart: true, Findings: []Finding{{
		Rule: "read-shadow", Severity: SeverityWarning, Count: 2, Message: "cat opens /etc/shadow",
		Process:  &Process{PID: 7, PPID: 1, Exe: "/usr/bin/cat", Argv: []string{"cat", "/etc/shadow"}, Chain: []string{"sh"}},
		Evidence: []Evidence{{PID: 7, Time: 1500 * time.Millisecond, HasTime: true, Syscall: "openat(AT_FDCWD, \"/etc/shadow\x1b\", O_RDONLY) = -1 EACCES"}},
	}}}
	s := sum
	s.Explain = true
	var b bytes.Buffer
	if err := WriteTable(&b, []Row{r}, s); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"WARNING   +1.000 0.90      0  read-shadow\n", "read-shadow WARNING, 2 matches: cat opens /etc/shadow; pid 7 (parent 1)", "argv [cat /etc/shadow], chain sh", "pid 7 at +0.412s: \"openat("} {
		if !strings.Contains(out, want) {
			t.Errorf("explained table lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, 0x1b) {
		t.Errorf("escape byte in the explained table:\n%q", out)
	}
}

// Under a profile model's row the table shows the profile's own findings,
// the most severe first, never the ten statistics' deviations; JSON and
// CSV carry every finding and the deviations for tools.
func TestProfileRowShowsFindings(t *testing.T) {
	fs := []Finding{
		{Rule: "model-anomaly", Severity: SeverityWarning, Count: 1, Message: "the profile model scores it -2.000"},
		{Rule: "profile-new-file", Severity: SeverityWarning, Count: 1, Message: "cat read /etc/shadow; cat ran 34 times in training and never opened /etc/shadow"},
		{Rule: "profile-new-exec", Severity: SeverityInfo, Count: 1, Message: "sh started curl; sh ran 9 times in training and never ran it"},
		{Rule: "profile-new-syscall", Severity: SeverityInfo, Count: 1, Message: "cat called ptrace; cat ran 34 times in training and never made that call"},
		{Rule: "profile-new-parent", Severity: SeverityInfo, Count: 1, Message: "cat was started by curl"},
	}
	r := Row{Sample: "cat /etc/shadow", Verdict: Anomalous, Score: -2, Confidence: 0.95, Severity: SeverityWarning,
		Features: []float64{120, 0.25}, Findings: fs,
		Deviations: []model.Deviation{{Feature: "network_ratio", Z: 4.234}}}
	for _, o := range []TableOptions{{Width: 80}, {Wide: true}} {
		var b bytes.Buffer
		if err := WriteTableWith(&b, []Row{r}, sum, o); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(b.String()), " ")
		for _, want := range []string{"WARNING cat read /etc/shadow; cat ran 34 times", "INFO sh started curl", "INFO cat called ptrace", "(1 more profile finding)"} {
			if !strings.Contains(out, want) {
				t.Errorf("wide=%v: the row lacks %q:\n%s", o.Wide, want, b.String())
			}
		}
		if strings.Contains(out, "σ") || strings.Contains(out, "cat was started by curl") {
			t.Errorf("wide=%v: the row shows the ten statistics' deviations or more than %d findings:\n%s", o.Wide, TopDeviations, b.String())
		}
		// A profile model's row without findings shows nothing below it.
		quiet := Row{Sample: "true", Verdict: Normal, Score: 1, Severity: SeverityNone, OwnFindings: true,
			Features: []float64{120, 0.25}, Deviations: []model.Deviation{{Feature: "network_ratio", Z: 4.234}}}
		b.Reset()
		if err := WriteTableWith(&b, []Row{quiet}, sum, o); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "σ") {
			t.Errorf("wide=%v: a quiet profile row shows the ten statistics' deviations:\n%s", o.Wide, b.String())
		}
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, []Row{r}, sum); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"rule":"profile-new-parent"`, `"message":"cat read /etc/shadow;`, `"deviations":[{"feature":"network_ratio"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteCSV(&b, []Row{r}, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "profile-new-file:WARNING:1") || !strings.Contains(b.String(), "profile-new-parent:INFO:1") {
		t.Errorf("CSV lacks the profile findings:\n%s", b.String())
	}
}
