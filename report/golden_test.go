package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"detector/model"
)

// Regenerate the golden files with: go test ./report -run TestGolden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenRows mixes ordinary, long, wide-character and hostile names with
// findings, errors and run notes.
func goldenRows() []Row {
	dev := func(z ...float64) []model.Deviation {
		names := []string{"security_ratio", "network_ratio", "memory_ratio"}
		var d []model.Deviation
		for i, v := range z {
			d = append(d, model.Deviation{Feature: names[i], Z: v})
		}
		return d
	}
	shell := []Finding{
		{Rule: "stdio-socket", Severity: SeverityAlert, Count: 3,
			Process: &Process{PID: 12, PPID: 7, Exe: "/usr/bin/bash", Argv: []string{"bash", "-i"}, Chain: []string{"sh", "sshd"}},
			Evidence: []Evidence{
				{PID: 12, Time: 1500 * time.Millisecond, HasTime: true, Syscall: "dup2(3<TCP:[127.0.0.1:40112->127.0.0.1:4444]>, 0) = 0"},
				{PID: 12, Time: 1501 * time.Millisecond, HasTime: true, Syscall: "dup2(3, 1) = 1"},
			}},
		{Rule: "exec-memfd", Severity: SeverityWarning, Count: 1,
			Process: &Process{PID: 13, PPID: 12, Exe: "/memfd:x (deleted)", Argv: []string{"[kworker/0:1]", "", "a\x1b[2Jb"}, Chain: []string{"ba\x1bsh"}},
			Evidence: []Evidence{{PID: 13, Syscall: `execveat(4, "", NULL, NULL, AT_EMPTY_PATH) = 0`},
				{PID: 13, Syscall: "openat(AT_FDCWD, \"\x1b]0;pwned\x07\", O_RDONLY) = -1 ENOENT"}}},
		{Rule: "outbound", Severity: SeverityInfo, Count: 1},
		{Rule: "listen", Severity: SeverityInfo, Count: 2},
	}
	rows := []Row{
		{Sample: "fixtures/suspicious/port_scan.sh", Verdict: Anomalous, Score: -4.6938, Confidence: 1, Rarity: 0,
			Deviations: dev(27.7, -2.7, -2.6)},
		{Sample: "fixtures/benign/ls.sh", Verdict: Normal, Score: 0.4969, Confidence: 0.95, Rarity: 0.5357,
			Deviations: dev(-0.4, 0.1, 0)},
		{Sample: "/srv/corpus/very/deeply/nested/folder/of/samples/2026-11-22/persistence_scratch.sh",
			Verdict: Anomalous, Score: -74.6333, Confidence: 1, Rarity: 0.004, Severity: SeverityAlert, Findings: shell,
			Deviations: dev(343.1, 8, -6.4), Run: &RunInfo{TimedOut: true, Truncated: true}},
		{Sample: "样本/恶意软件样本名字很长很长很长很长很长.sh", Verdict: Normal, Score: 0.0312, Confidence: 0.27, Rarity: 0.0714,
			Severity: SeverityWarning, Findings: shell[1:2], Deviations: dev(1.2)},
		{Sample: "evil\x1b[2K\rfixtures/benign/ls.sh normal +0.9000", Verdict: Anomalous, Score: -0.0712, Confidence: 0.34,
			Rarity: 0.0357, Deviations: []model.Deviation{{Feature: "f\x1b]0;title\x07", Z: 3}}},
		{Sample: "rlo\u202ehs.exe", Verdict: Normal, Score: 0.2, Confidence: 0.7, Rarity: 0.25},
		{Sample: "bins/unreadable", Verdict: Error,
			Err: "bins/unreadable: open bins/unreadable: permission denied; the sample exists but cannot be read, so it is an error, not a skip\x1b[31m"},
	}
	// The samples read from paths are labelled as detect labels them;
	// the shell's trace started a second before its first evidence.
	for _, i := range []int{0, 1, 2, 3, 6} {
		rows[i].Label = rows[i].Sample
	}
	rows[2].Start, rows[2].HasStart = 500*time.Millisecond, true
	return rows
}

func goldenSummary() Summary {
	return Summary{
		FeatureNames: []string{"security_ratio", "network_ratio", "memory_ratio"},
		Algorithm:    "Local Outlier Factor",
		Params:       "neighbors=20, contamination=auto",
		TrainSamples: 28,
		Trained:      time.Date(2026, 11, 21, 20, 22, 0, 0, time.UTC),
		Threshold:    -0.05,
		Elapsed:      3214 * time.Millisecond,
	}
}

// The default table fits 80 columns, holds no control byte, and matches
// its golden file byte for byte.
func TestGoldenTable(t *testing.T) {
	for _, c := range []struct {
		file string
		o    TableOptions
	}{
		{"table80.golden", TableOptions{}},
		{"table80_explain.golden", TableOptions{Explain: true}},
		{"table_wide.golden", TableOptions{Wide: true, Explain: true}},
	} {
		t.Run(c.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTableWith(&b, goldenRows(), goldenSummary(), c.o); err != nil {
				t.Fatal(err)
			}
			got := b.Bytes()
			for _, ch := range got {
				if ch < 0x20 && ch != '\n' || ch == 0x7f {
					t.Fatalf("control byte %#x in\n%s", ch, got)
				}
			}
			if !c.o.Wide {
				for _, l := range strings.Split(string(got), "\n") {
					if w := runewidth.StringWidth(l); w > DefaultWidth {
						t.Errorf("line of %d columns: %s", w, l)
					}
				}
			}
			path := filepath.Join("testdata", c.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("table differs from %s (rerun with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

func TestShortenMiddle(t *testing.T) {
	for _, c := range []struct {
		in   string
		cols int
		want string
	}{
		{"fixtures/suspicious/port_scan.sh", 40, "fixtures/suspicious/port_scan.sh"},
		{"fixtures/suspicious/persistence_scratch.sh", 24, "fixture…tence_scratch.sh"},
		{"样本样本样本样本", 9, "样…本样本"},
		{"abcdef", 3, "…ef"},
	} {
		got := ShortenMiddle(c.in, c.cols)
		if got != c.want || runewidth.StringWidth(got) > max(c.cols, 3) {
			t.Errorf("ShortenMiddle(%q, %d) = %q, want %q", c.in, c.cols, got, c.want)
		}
	}
}

// Labels keep what tells samples apart: the path below the folder they
// share, the file name always.
func TestLabels(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"fixtures/suspicious/a.sh", "fixtures/suspicious/b.sh"}, []string{"a.sh", "b.sh"}},
		{[]string{"fixtures/suspicious/a.sh", "fixtures/benign/c.sh"}, []string{"suspicious/a.sh", "benign/c.sh"}},
		{[]string{"/srv/x/deep/a.sh"}, []string{"a.sh"}},
		{[]string{"/srv/a.sh", "b.sh"}, []string{"/srv/a.sh", "b.sh"}},
		{[]string{"./d/a.sh", "d/e/b.sh"}, []string{"a.sh", "e/b.sh"}},
	} {
		if got := Labels(c.in); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Labels(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		path bool
		cols int
		want string
		ok   bool
	}{
		{"a/b/persistence_scratch.sh", true, 40, "a/b/persistence_scratch.sh", true},
		{"corpus/2026/persistence_scratch.sh", true, 28, "…/persistence_scratch.sh", true},
		{"corpus/2026/persistence_scratch.sh", true, 20, "corpus/2026/persistence_scratch.sh", false},
		{"tar czf /tmp/x.tgz /usr/share/doc", false, 20, "tar czf /tmp/x.tgz …", true},
	} {
		got, ok := fitSample(c.name, c.path, c.cols)
		if got != c.want || ok != c.ok {
			t.Errorf("fitSample(%q, %v, %d) = %q, %v, want %q, %v", c.name, c.path, c.cols, got, ok, c.want, c.ok)
		}
	}
}
