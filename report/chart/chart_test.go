package chart

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"detector/evaluate"
)

// svgDoc parses an SVG document as XML and returns its element names and
// its text, failing if it is not well-formed.
func svgDoc(t *testing.T, b []byte) (elems map[string]int, text string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	elems = map[string]int{}
	var txt strings.Builder
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
			elems[x.Name.Local]++
		case xml.CharData:
			txt.Write(x)
			txt.WriteByte('\n')
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return elems, txt.String()
}

func curve(scoresNormal, scoresAttack []float64) []evaluate.ROCPoint {
	var s []evaluate.Sample
	for _, v := range scoresNormal {
		s = append(s, evaluate.Sample{Score: v})
	}
	for _, v := range scoresAttack {
		s = append(s, evaluate.Sample{Score: v, Attack: true})
	}
	return evaluate.Compute(s).ROC
}

// Two models give two curves, each named in the legend with its AUC, with
// their operating points labelled; hostile names stay text.
func TestWriteROC(t *testing.T) {
	normal := []float64{0.5, 0.4, 0.3, 0.2, 0.1, 0.05, -0.1, 0.6, 0.7, 0.8}
	attack := []float64{-1, -0.5, -0.2, 0.15, -2, 0.35}
	a := evaluate.Compute(append(samples(normal, false), samples(attack, true)...))
	curves := []Curve{
		{Name: "lof m1.gob", AUC: a.AUC, Points: a.ROC},
		{Name: "ocsvm <m2>&\"x\".gob", AUC: 0.5, Points: curve(normal, normal)},
	}
	var b bytes.Buffer
	if err := WriteROC(&b, curves); err != nil {
		t.Fatal(err)
	}
	elems, text := svgDoc(t, b.Bytes())
	if elems["path"] < 4 {
		t.Errorf("%d path elements, want the curves, the diagonal and the markers", elems["path"])
	}
	for _, want := range []string{"ROC curve", "lof m1.gob: AUC " + fixed(a.AUC) + ", detects ", `ocsvm <m2>&"x".gob: AUC 0.500, detects 1%/5%/10%`,
		"chance", "operating points at 1%/5%/10% false alarms", "false-alarm rate", "detection rate"} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG text lacks %q:\n%s", want, text)
		}
	}
	if err := WriteROC(&b, nil); err == nil {
		t.Error("no curves drawn without an error")
	}
}

func samples(scores []float64, attack bool) []evaluate.Sample {
	var s []evaluate.Sample
	for _, v := range scores {
		s = append(s, evaluate.Sample{Score: v, Attack: attack})
	}
	return s
}

// The score histogram has its bars, the threshold line and the legend.
func TestWriteScores(t *testing.T) {
	scores := []float64{-0.3, -0.1, 0.2, 0.3, 0.35, 0.4, 0.41, 0.45, 0.5, 0.5, 0.52}
	var b bytes.Buffer
	if err := WriteScores(&b, "training scores of m.gob", scores, 0); err != nil {
		t.Fatal(err)
	}
	elems, text := svgDoc(t, b.Bytes())
	if elems["path"] < 6 {
		t.Errorf("%d path elements, want bars and the threshold line", elems["path"])
	}
	for _, want := range []string{"training scores of m.gob", "training samples (11, 2 below the threshold)", "threshold 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG text lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range [][]float64{nil, {1, 2, bad()}} {
		if err := WriteScores(&b, "x", bad, 0); err == nil {
			t.Errorf("scores %v drawn without an error", bad)
		}
	}
	// All scores equal still draws.
	b.Reset()
	if err := WriteScores(&b, "flat", []float64{1, 1, 1}, 1); err != nil {
		t.Fatal(err)
	}
	svgDoc(t, b.Bytes())
}

func bad() float64 {
	z := 0.0
	return 1 / z
}
