package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"detector/evaluate"
)

// EvaluationModel names the model an evaluation measured.
type EvaluationModel struct {
	Algorithm    string // the method's name for people
	TrainSamples int
	Path         string // the model file
	Name         string // the algorithm's registry name: "lof"
	SHA256       string // of the model file, lower-case hex
}

// num is a float that encodes NaN (an empty class) as JSON null.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(n), 'g', -1, 64)), nil
}

func nums(m map[string]float64) map[string]num {
	out := make(map[string]num, len(m))
	for k, v := range m {
		out[k] = num(v)
	}
	return out
}

// WriteEvaluationJSON writes an evaluation as one indented JSON object:
// auc, dr_at_fa (by false-alarm rate), confusion, precision, recall, f1,
// families (per attack family), normal and attack counts, seconds and the
// model (path, algorithm, sha256). A figure that cannot be computed (an
// empty class) is null.
func WriteEvaluationJSON(w io.Writer, r evaluate.Report, m EvaluationModel, secs float64) error {
	type family struct {
		AUC      num            `json:"auc"`
		DRAtFA   map[string]num `json:"dr_at_fa"`
		Attack   int            `json:"attack"`
		Detected int            `json:"detected"`
	}
	out := struct {
		AUC       num               `json:"auc"`
		DRAtFA    map[string]num    `json:"dr_at_fa"`
		Confusion map[string]int    `json:"confusion"`
		Precision num               `json:"precision"`
		Recall    num               `json:"recall"`
		F1        num               `json:"f1"`
		Families  map[string]family `json:"families"`
		Normal    int               `json:"normal"`
		Attack    int               `json:"attack"`
		Seconds   num               `json:"seconds"`
		Model     map[string]string `json:"model"`
	}{
		AUC:       num(r.AUC),
		DRAtFA:    nums(r.DRAtFA),
		Confusion: map[string]int{"tp": r.Confusion.TP, "fp": r.Confusion.FP, "tn": r.Confusion.TN, "fn": r.Confusion.FN},
		Precision: num(r.Precision),
		Recall:    num(r.Recall),
		F1:        num(r.F1),
		Families:  map[string]family{},
		Normal:    r.Normal,
		Attack:    r.Attack,
		Seconds:   num(math.Round(secs*1000) / 1000),
		Model:     map[string]string{"path": m.Path, "algorithm": m.Name, "sha256": m.SHA256},
	}
	for name, f := range r.Families {
		out.Families[name] = family{num(f.AUC), nums(f.DRAtFA), f.Attack, f.Detected}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

func fixed(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}

// WriteEvaluationTable writes an evaluation for people: the figures, a
// table per attack family and an ASCII ROC curve.
func WriteEvaluationTable(w io.Writer, r evaluate.Report, m EvaluationModel, secs float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if m.Path != "" {
		fmt.Fprintf(tw, "model\t%s: %s, trained on %d samples\n", Escape(m.Path), Escape(m.Algorithm), m.TrainSamples)
	} else {
		fmt.Fprintf(tw, "model\t%s, trained on %d samples\n", Escape(m.Algorithm), m.TrainSamples)
	}
	fmt.Fprintf(tw, "samples\t%d normal, %d attack\n", r.Normal, r.Attack)
	fmt.Fprintf(tw, "ROC AUC\t%s\n", fixed(r.AUC))
	for _, fa := range evaluate.FalseAlarmRates {
		k := evaluate.RateKey(fa)
		fmt.Fprintf(tw, "detection at %s false alarms\t%s\n", pct(fa), pct(r.DRAtFA[k]))
	}
	cf := r.Confusion
	fmt.Fprintf(tw, "at the model's threshold (score < 0)\tTP %d  FP %d  TN %d  FN %d\n", cf.TP, cf.FP, cf.TN, cf.FN)
	fmt.Fprintf(tw, "\tprecision %s  recall %s  F1 %s\n", fixed(r.Precision), fixed(r.Recall), fixed(r.F1))
	fmt.Fprintf(tw, "time\t%.1f s\n", secs)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Families) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := []string{"family", "samples", "flagged", "AUC"}
		for _, fa := range evaluate.FalseAlarmRates {
			head = append(head, "DR@"+pct(fa))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, name := range slices.Sorted(maps.Keys(r.Families)) {
			f := r.Families[name]
			row := []string{Escape(name), strconv.Itoa(f.Attack), strconv.Itoa(f.Detected), fixed(f.AUC)}
			for _, fa := range evaluate.FalseAlarmRates {
				row = append(row, pct(f.DRAtFA[evaluate.RateKey(fa)]))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.ROC) > 1 {
		fmt.Fprintln(w)
		writeASCIIROC(w, r.ROC)
	}
	return nil
}

// writeASCIIROC draws the ROC curve in a 41 x 11 character grid: false
// alarms to the right, detection upwards.
func writeASCIIROC(w io.Writer, pts []evaluate.ROCPoint) {
	const cols, rows = 41, 11
	grid := make([][]byte, rows)
	for i := range grid {
		grid[i] = []byte(strings.Repeat(" ", cols))
	}
	// Sample the curve densely by linear interpolation, as the AUC does.
	for x := range cols {
		fa := float64(x) / float64(cols-1)
		y := int(math.Round(evaluate.DRAt(pts, fa) * float64(rows-1)))
		grid[rows-1-y][x] = '*'
	}
	fmt.Fprintln(w, "ROC curve (detection rate against false-alarm rate)")
	for i, line := range grid {
		label := "    "
		switch i {
		case 0:
			label = "1.0 "
		case rows - 1:
			label = "0.0 "
		}
		fmt.Fprintf(w, "%s|%s\n", label, line)
	}
	fmt.Fprintf(w, "    +%s\n     0.0%s1.0\n", strings.Repeat("-", cols), strings.Repeat(" ", cols-6))
}

// WriteROCCSV writes the curve's points as CSV: false_alarm, detection,
// threshold (score at or below which a sample is flagged).
func WriteROCCSV(w io.Writer, pts []evaluate.ROCPoint) error {
	return writeROCCSV(w, []ROCSet{{Points: pts}}, false)
}

// ROCSet is one model's ROC curve.
type ROCSet struct {
	Model  string
	Points []evaluate.ROCPoint
}

// WriteROCSetsCSV writes several models' curves as one CSV table: model,
// false_alarm, detection, threshold.
func WriteROCSetsCSV(w io.Writer, sets []ROCSet) error { return writeROCCSV(w, sets, true) }

func writeROCCSV(w io.Writer, sets []ROCSet, named bool) error {
	cw := newCSVWriter(w, false)
	head := []string{"false_alarm", "detection", "threshold"}
	if named {
		head = append([]string{"model"}, head...)
	}
	cw.Write(head)
	for _, s := range sets {
		for _, p := range s.Points {
			rec := []string{
				strconv.FormatFloat(p.FalseAlarm, 'g', -1, 64),
				strconv.FormatFloat(p.Detection, 'g', -1, 64),
				strconv.FormatFloat(p.Threshold, 'g', -1, 64),
			}
			if named {
				rec = append([]string{s.Model}, rec...)
			}
			cw.Write(rec)
		}
	}
	cw.Flush()
	return cw.Error()
}
