package algo

import (
	"strings"
	"testing"
)

type constDetector struct{ V float64 }

func (d *constDetector) Score(s Samples) []float64 {
	out := make([]float64, s.Len())
	for i := range out {
		out[i] = d.V
	}
	return out
}
func (d *constDetector) TrainingDecision() []float64 { return []float64{d.V, d.V} }
func (d *constDetector) Params() map[string]string   { return map[string]string{"v": "1", "hidden": "2"} }
func (d *constDetector) Validate(dim, n int) error {
	if !Finite(d.V) {
		return ErrNotFinite
	}
	return nil
}

var testSpec = Spec{
	Name:   "const-test",
	Title:  "Constant",
	Params: []Param{{Name: "v", Default: "1", Usage: "the score"}, {Name: "contamination", Default: "auto"}},
	Check:  func(a Args) error { _, err := a.Float("v", -10, 10); return err },
	Fit: func(s Samples, a Args, _ FitOptions) (Detector, error) {
		v, err := a.Float("v", -10, 10)
		return &constDetector{V: v}, err
	},
	New: func() Detector { return new(constDetector) },
}

func init() { Register(testSpec) }

func TestRegistry(t *testing.T) {
	s, err := Lookup("const-test")
	if err != nil || s.Title != "Constant" {
		t.Fatalf("Lookup: %v %v", s.Title, err)
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), `unknown algorithm "nope"`) {
		t.Errorf("unknown: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration of the same name did not panic")
		}
	}()
	Register(testSpec)
}

func TestArgs(t *testing.T) {
	a := NewArgs(testSpec, func(name string) (string, bool) { return "0.25", name == "contamination" })
	if a["v"] != "1" || a["contamination"] != "0.25" {
		t.Fatalf("args %v", a)
	}
	if c, err := a.Contamination(); c != 0.25 || err != nil {
		t.Errorf("contamination %v %v", c, err)
	}
	for _, bad := range []string{"0", "0.6", "nan", "x", "-1"} {
		if _, err := (Args{"contamination": bad}).Contamination(); err == nil {
			t.Errorf("contamination %q accepted", bad)
		}
	}
	if c, err := (Args{"contamination": "auto"}).Contamination(); c != 0 || err != nil {
		t.Errorf("auto: %v %v", c, err)
	}
	if _, err := (Args{"k": "0"}).Int("k", 1); err == nil || !strings.Contains(err.Error(), "--k must be a whole number of at least 1") {
		t.Errorf("Int: %v", err)
	}
	if _, err := (Args{"x": "inf"}).Float("x", 0, 1); err == nil {
		t.Error("Float accepted inf")
	}
	if got := testSpec.Describe(map[string]string{"v": "3", "hidden": "2"}); got != "v=3" {
		t.Errorf("Describe = %q", got)
	}
}

func TestEncodeDecode(t *testing.T) {
	state, err := Encode(&constDetector{V: -2.5})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode("const-test", state, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Score(Samples{Rows: make([][]float64, 2)}); len(got) != 2 || got[0] != -2.5 {
		t.Errorf("scores %v", got)
	}
	if _, err := Decode("const-test", state[:len(state)/2], 3, 2); err == nil {
		t.Error("truncated state decoded")
	}
}
