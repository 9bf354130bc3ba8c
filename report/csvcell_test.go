package report

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"bins/ls":                        "bins/ls",
		`=HYPERLINK("http://x","click")`: `'=HYPERLINK("http://x","click")`,
		"@SUM(1+1)":                      "'@SUM(1+1)",
		"+cmd":                           "'+cmd",
		"-2+3+cmd|' /C calc'!A0":         "'-2+3+cmd|' /C calc'!A0",
		"\tx":                            "'\tx",
		"\rx":                            "'\rx",
		"-0.4321":                        "-0.4321",
		"+1e-3":                          "+1e-3",
		"-12":                            "-12",
		"-.5":                            "-.5",
		"-Inf":                           "'-Inf",
		"-1e":                            "'-1e",
		"-":                              "'-",
		"a=b":                            "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// Sample names that a spreadsheet would evaluate are written as text by
// default and exactly with Raw; numbers, negative scores included, stay
// numbers.
func TestCSVFormulaNames(t *testing.T) {
	hostile := []Row{
		{Sample: `=HYPERLINK("http://127.0.0.1/","x")`, Verdict: Anomalous, Score: -0.5, Confidence: 0.9, Features: []float64{1, 0}},
		{Sample: "@SUM(1+1)", Verdict: Normal, Score: 0.5, Confidence: 0.9, Features: []float64{-2, 0}},
	}
	for _, raw := range []bool{false, true} {
		var b bytes.Buffer
		write := WriteCSV
		if raw {
			write = WriteCSVRaw
		}
		if err := write(&b, hostile, sum); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range hostile {
			want := "'" + r.Sample
			if raw {
				want = r.Sample
			}
			if recs[i+1][0] != want {
				t.Errorf("raw=%v: sample cell %q, want %q", raw, recs[i+1][0], want)
			}
		}
		if recs[1][2] != "-0.5" || recs[2][4] != "-2" {
			t.Errorf("raw=%v: numbers changed: %v %v", raw, recs[1], recs[2])
		}
	}
	var b bytes.Buffer
	fr := []FeatureRow{{Sample: "@SUM(1+1)", Features: []float64{-1, 0.5}}}
	if err := WriteFeaturesCSV(&b, []string{"=f", "g"}, fr, CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := "sample,'=f,g\n'@SUM(1+1),-1,0.5\n"; b.String() != want {
		t.Errorf("features csv %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := WriteFeaturesCSV(&b, []string{"=f", "g"}, fr, CSVOptions{Raw: true}); err != nil {
		t.Fatal(err)
	}
	if want := "sample,=f,g\n@SUM(1+1),-1,0.5\n"; b.String() != want {
		t.Errorf("raw features csv %q, want %q", b.String(), want)
	}
}
