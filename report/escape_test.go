package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"detector/model"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"fixtures/benign/ls.sh", "fixtures/benign/ls.sh"},
		{"échantillon ünïcode 样本.log", "échantillon ünïcode 样本.log"},
		{"with space", "with space"},
		{"", ""},
		{"a\x1b[2K\rfake normal", `"a\x1b[2K\rfake normal"`},
		{"two\nlines", `"two\nlines"`},
		{"tab\there", `"tab\there"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"rlo\u202eexe.txt", `"rlo\u202eexe.txt"`},
		{"c1\u009bcsi", `"c1\u009bcsi"`},
		{"del\x7f", `"del\x7f"`},
		{`"quoted"`, `"\"quoted\""`},
		{"\uFFFD is a real replacement char", "\uFFFD is a real replacement char"},
	}
	for _, c := range cases {
		got := Escape(c.in)
		if got != c.want {
			t.Errorf("Escape(%q) = %s, want %s", c.in, got, c.want)
		}
		for _, b := range []byte(got) {
			if b < 0x20 || b == 0x7f {
				t.Errorf("Escape(%q) keeps control byte %#x", c.in, b)
			}
		}
		if strings.ContainsRune(got, '\n') {
			t.Errorf("Escape(%q) keeps a newline", c.in)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a\x1b[2K\rfake normal")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("Escape(%q) = %q keeps control character %U", s, got, r)
			}
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Escape(%q) = %q is not valid UTF-8", s, got)
		}
		if got != s && !strings.HasPrefix(got, `"`) {
			t.Fatalf("Escape(%q) = %q changed without quoting", s, got)
		}
	})
}

// Hostile names, errors and model strings cannot draw on the terminal or
// split a row: the table has one line per sample and no control byte,
// while JSON and CSV keep the exact strings.
func TestTableEscapes(t *testing.T) {
	const fake = "\x1b[2K\r│ x.sh │ normal │ +0.9000 │ 0.99 │"
	hostile := []Row{
		{Sample: "evil" + fake, Verdict: Anomalous, Score: -1, Confidence: 0.9,
			Features: []float64{1, 2}, Deviations: []model.Deviation{{Feature: "f\x1b]0;title\x07", Z: 3}}},
		{Sample: "split\nnormal", Verdict: Normal, Score: 1, Confidence: 0.9, Features: []float64{1, 2}},
		{Sample: "err\x1b[31m", Verdict: Error, Err: "replay err\x1b[31m: not a regular file"},
	}
	s := sum
	s.Params = "neighbors=3\r\x1b[2K"
	var b bytes.Buffer
	for _, wide := range []bool{false, true} {
		b.Reset()
		if err := WriteTableWith(&b, hostile, s, TableOptions{Wide: wide}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, c := range []byte(out) {
			if c < 0x20 && c != '\n' || c == 0x7f {
				t.Fatalf("table holds control byte %#x:\n%q", c, out)
			}
		}
		// Wide: a box row per sample. Narrow: a line per sample at the
		// left edge, the lines below it indented.
		rowLines := 0
		for _, l := range strings.Split(strings.Split(out, "-----------")[0], "\n") {
			if wide && strings.HasPrefix(l, "│") || !wide && l != "" && l[0] != ' ' {
				rowLines++
			}
		}
		if rowLines != 1+len(hostile) {
			t.Errorf("wide %v: %d header and row lines, want %d:\n%s", wide, rowLines, 1+len(hostile), out)
		}
		wants := []string{`"split\nnormal"`, `"f\x1b]0;title\a +3.0σ"`, `"neighbors=3\r\x1b[2K"`, `"replay err\x1b[31m: not a regular file"`}
		wants = append(wants, `"evil\x1b[2K\r│ x.sh`)
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("wide %v: table lacks %s:\n%s", wide, want, out)
			}
		}
	}

	b.Reset()
	if err := WriteJSON(&b, hostile, s); err != nil {
		t.Fatal(err)
	}
	var first struct{ Sample string }
	if err := json.Unmarshal([]byte(strings.SplitN(b.String(), "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Sample != hostile[0].Sample {
		t.Errorf("JSON sample %q, want %q", first.Sample, hostile[0].Sample)
	}
	b.Reset()
	if err := WriteCSV(&b, hostile, s); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 3 || recs[1][0] != hostile[0].Sample || recs[2][0] != hostile[1].Sample {
		t.Errorf("CSV samples %q, want the exact names", recs)
	}
}
