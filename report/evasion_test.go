package report

import (
	"bytes"
	"strings"
	"testing"
)

// A run that tried to evade the tracer says so in the table's severity and
// in JSON's run.evasion, whatever the verdict; other runs have neither.
func TestEvasionNote(t *testing.T) {
	rs := []Row{
		{Sample: "wrapped", Verdict: Normal, Score: 0.5, Confidence: 0.95, Features: []float64{1, 0},
			Run: &RunInfo{Evasion: []string{"clone with CLONE_UNTRACED", "ptrace of pid 1 (the tracer)"}}},
		{Sample: "plain", Verdict: Normal, Score: 0.5, Confidence: 0.95, Features: []float64{1, 0}, Run: &RunInfo{}},
	}
	var tab, js bytes.Buffer
	if err := WriteTableWith(&tab, rs, sum, TableOptions{Wide: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rs, sum); err != nil {
		t.Fatal(err)
	}
	if want := "NONE (tried to evade the tracer: clone with CLONE_UNTRACED; ptrace of pid 1 (the tracer))"; !strings.Contains(tab.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, tab.String())
	}
	if strings.Count(tab.String(), "evade") != 1 {
		t.Errorf("the note is on the wrong rows:\n%s", tab.String())
	}
	tab.Reset()
	if err := WriteTable(&tab, rs, sum); err != nil {
		t.Fatal(err)
	}
	if want := "\n  (tried to evade the tracer: clone with CLONE_UNTRACED; ptrace of pid 1 (the\n    tracer))\nplain "; !strings.Contains(tab.String(), want) {
		t.Errorf("narrow table lacks %q below its row:\n%s", want, tab.String())
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if want := `"evasion":["clone with CLONE_UNTRACED","ptrace of pid 1 (the tracer)"]`; len(lines) != 2 || !strings.Contains(lines[0], want) || strings.Contains(lines[1], "evasion") {
		t.Errorf("JSON lacks %s on the first row only:\n%s", want, js.String())
	}
}

// Evidence names the object the call's path resolved to and the path as
// spelled: JSON's path and as_given (as_given only when it differs), and
// the table's "(resolves to ...)" note.
func TestEvidenceResolvedPath(t *testing.T) {
	rs := []Row{{Sample: "s", Verdict: Normal, Score: 0.5, Confidence: 0.95, Features: []float64{1, 0},
		Findings: []Finding{{Rule: "read-shadow", Severity: "WARNING", Count: 2, Message: "m", Evidence: []Evidence{
			{PID: 7, Syscall: `openat(AT_FDCWD</h>, "/h/notes", O_RDONLY) = -1 EACCES`, Path: "/etc/shadow", AsGiven: "/h/notes"},
			{PID: 7, Syscall: `openat(AT_FDCWD</h>, "/etc/shadow", O_RDONLY) = -1 EACCES`, Path: "/etc/shadow"},
		}}}}}
	var tab, js bytes.Buffer
	if err := WriteTableWith(&tab, rs, sum, TableOptions{Wide: true, Explain: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rs, sum); err != nil {
		t.Fatal(err)
	}
	if want := `"evidence":[{"pid":7,"time":null,"syscall":"openat(AT_FDCWD</h>, \"/h/notes\", O_RDONLY) = -1 EACCES","path":"/etc/shadow","as_given":"/h/notes"},{"pid":7,"time":null,"syscall":"openat(AT_FDCWD</h>, \"/etc/shadow\", O_RDONLY) = -1 EACCES","path":"/etc/shadow"}]`; !strings.Contains(js.String(), want) {
		t.Errorf("JSON lacks %s:\n%s", want, js.String())
	}
	if strings.Count(tab.String(), "(resolves to /etc/shadow)") != 1 {
		t.Errorf("table lacks the one resolves-to note:\n%s", tab.String())
	}
}
