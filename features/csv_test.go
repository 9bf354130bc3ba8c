package features

import (
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader("sample,a,b\nx,1,2.5\ny,-3,1e3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tab.Names, ",") != "a,b" || strings.Join(tab.Samples, ",") != "x,y" {
		t.Fatalf("names %v samples %v", tab.Names, tab.Samples)
	}
	if tab.Rows[1][1] != 1000 || tab.Rows[0][1] != 2.5 {
		t.Fatalf("rows %v", tab.Rows)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "empty CSV",
		"a,b\n1,2\n":               "header must start with `sample`",
		"sample,a,a\nx,1,2\n":      "repeated",
		"sample,a\n":               "no samples",
		"sample,a\nx,1\ny,z\n":     "line 3, column 2 (a)",
		"sample,a\nx,NaN\n":        "not a finite number",
		"sample,a,b\nx,1\n":        "wrong number of fields",
		"sample,a\nx,\"1\n":        "extraneous or missing",
		"sample,a\nx,Inf\n":        "line 2, column 2 (a): \"Inf\" is not a finite number",
		"sample,a\nx,1e999\n":      "line 2, column 2 (a): \"1e999\" is not a finite number",
		"sample,a,b\x00c\nx,1,2\n": "line 1, column 3: feature name \"b\\x00c\" is longer than 1024 bytes or holds a control character",
		"sample,\"a\nb\"\nx,1\n":   "holds a control character",
		"sample," + strings.Repeat("x", 1025) + "\nx,1\n": "longer than 1024 bytes",
		"sample" + strings.Repeat(",c", 5000) + "\n":      "5000 features, more than 4096",
	} {
		_, err := ReadCSV(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadCSV(%q) error = %v, want one containing %q", in, err, want)
		}
	}
}
