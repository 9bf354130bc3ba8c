package model

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func infos(n int) []SampleInfo {
	s := make([]SampleInfo, n)
	for i := range s {
		s[i].Name = fmt.Sprintf("s%02d", i)
	}
	return s
}

// Diagnostics on a set with duplicate rows and runs cut short: the
// duplicates, timeouts and truncations are counted and named, the worst
// samples are the lowest-scoring ones, and everything survives the file.
func TestDiagnosticsDuplicatesAndCutRuns(t *testing.T) {
	rows := data(30, 4)
	rows = append(rows, []float64{40, -30, 7}) // far out: the worst
	rows[5] = append([]float64(nil), rows[2]...)
	rows[9] = append([]float64(nil), rows[2]...)
	rows[12] = append([]float64(nil), rows[7]...)
	info := infos(len(rows))
	info[3].TimedOut = true
	info[4].Truncated, info[8].Truncated = true, true
	m, err := fit(names, rows, LOF, Params{Now: time.Now(), Samples: info})
	if err != nil {
		t.Fatal(err)
	}
	d := m.Diagnostics
	if d == nil {
		t.Fatal("no diagnostics")
	}
	if d.Duplicates != 3 || strings.Join(d.DuplicateNames, ";") != "s05 = s02;s09 = s02;s12 = s07" {
		t.Errorf("duplicates %d %q", d.Duplicates, d.DuplicateNames)
	}
	if d.TimedOut != 1 || d.TimedOutNames[0] != "s03" || d.Truncated != 2 || strings.Join(d.TruncatedNames, ",") != "s04,s08" {
		t.Errorf("cut runs: %+v", d)
	}
	if len(d.Worst) != MaxDiagnosticNames || d.Worst[0] != "s30" {
		t.Errorf("worst %q, want s30 first", d.Worst)
	}
	w := strings.Join(m.Warnings(), "\n")
	for _, want := range []string{"3 training samples duplicate an earlier sample's features: s05 = s02, s09 = s02, s12 = s07",
		"1 training run timed out", "2 training traces were truncated: s04, s08"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "only") {
		t.Errorf("31 samples warned as few:\n%s", w)
	}
	if f := m.Flagged(); f < 1 || !strings.HasPrefix(m.FlaggedText(), fmt.Sprintf("%d of 31 training samples score as anomalous against their own model: s30 (", f)) {
		t.Errorf("flagged %d: %s", f, m.FlaggedText())
	}

	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back.Diagnostics) != fmt.Sprint(d) {
		t.Errorf("diagnostics after the file: %+v, want %+v", back.Diagnostics, d)
	}
}

// A tiny set warns that it is tiny.
func TestDiagnosticsTinySet(t *testing.T) {
	rows := data(4, 5)
	m, err := fit(names, rows, LOF, Params{Now: time.Now(), Samples: infos(4)}, "neighbors", "2")
	if err != nil {
		t.Fatal(err)
	}
	w := m.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "only 4 training samples") {
		t.Errorf("warnings %q", w)
	}
	if len(m.Diagnostics.Worst) != 4 {
		t.Errorf("worst %q, want all 4", m.Diagnostics.Worst)
	}
	// Without names, no diagnostics but the size warning.
	m, err = fit(names, rows, LOF, Params{Now: time.Now()}, "neighbors", "2")
	if err != nil {
		t.Fatal(err)
	}
	if m.Diagnostics != nil || len(m.Warnings()) != 1 {
		t.Errorf("diagnostics %+v, warnings %q", m.Diagnostics, m.Warnings())
	}
}

// The file's diagnostics are declared in the header and checked: a list
// longer than its bound, names the header does not declare, or counts
// that do not fit the training set are refused.
func TestDecodeRejectsBadDiagnostics(t *testing.T) {
	rows := data(20, 6)
	rows[3] = rows[1]
	m, err := fit(names, rows, LOF, Params{Now: time.Now(), Samples: infos(20)})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*header, *body){
		"undeclared name": func(h *header, b *body) { b.Diagnostics.Worst[0] += "x" },
		"too many worst": func(h *header, b *body) {
			b.Diagnostics.Worst = append(b.Diagnostics.Worst, "extra")
			h.DiagNames, h.DiagBytes = b.Diagnostics.names()
		},
		"duplicates beyond n": func(h *header, b *body) { b.Diagnostics.Duplicates = 20 },
		"names without count": func(h *header, b *body) {
			b.Diagnostics.TimedOutNames = []string{"s01"}
			h.DiagNames, h.DiagBytes = b.Diagnostics.names()
		},
		"huge declared": func(h *header, b *body) { h.DiagNames, h.DiagBytes = 1000, 1<<30 },
		"long name": func(h *header, b *body) {
			b.Diagnostics.Worst[0] = strings.Repeat("x", MaxSampleName+1)
			h.DiagNames, h.DiagBytes = b.Diagnostics.names()
		},
	}
	for name, tamper := range cases {
		c := *m
		d := *m.Diagnostics
		d.Worst = append([]string(nil), d.Worst...)
		c.Diagnostics = &d
		if _, err := Decode(bytes.NewReader(resealed(t, &c, tamper))); err == nil {
			t.Errorf("%s: accepted", name)
		} else if t.Logf("%s: %v", name, err); !strings.Contains(err.Error(), "diagnostics") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Decode(bytes.NewReader(resealed(t, m, nil))); err != nil {
		t.Errorf("untampered: %v", err)
	}
}
