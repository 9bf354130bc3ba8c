package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"detector/evaluate"
	"detector/model"
	"detector/report"
)

func evaluateCommand() *cli.Command {
	return &cli.Command{
		Name:  "evaluate",
		Usage: "measure detection quality on labelled samples: ROC AUC, detection rate at fixed false-alarm rates",
		Flags: append(append([]cli.Flag{
			modelFlag(),
			&cli.StringSliceFlag{Name: "normal", Usage: "`PATH` of normal samples (negatives); repeatable"},
			&cli.StringSliceFlag{Name: "attack", Usage: "`PATH` of attack samples (positives); repeatable; the first folder below it names the family"},
			&cli.StringFlag{Name: "output", Value: "table", Usage: "`FORMAT`: table or json"},
			&cli.StringFlag{Name: "roc", Usage: "write the ROC curve's points to `FILE` as CSV"},
		}, inputFlags()...), execFlags()...),
		Action: runEvaluate,
	}
}

func runEvaluate(c *cli.Context) error {
	start := time.Now()
	if c.Args().Present() {
		return withHint(fmt.Errorf("unexpected argument %q", c.Args().First()), "give samples with --normal PATH and --attack PATH")
	}
	normal, attack := c.StringSlice("normal"), c.StringSlice("attack")
	if len(normal) == 0 || len(attack) == 0 {
		return withHint(fmt.Errorf("evaluate needs both --normal and --attack samples"), "detector evaluate --model FILE --normal PATH --attack PATH")
	}
	format := c.String("output")
	if format != "table" && format != "json" {
		return withHint(fmt.Errorf("unknown output format %q", format), "--output takes table or json")
	}
	m, err := loadModel(c)
	if err != nil {
		return err
	}
	o, err := sampleOptions(c)
	if err != nil {
		return err
	}
	o.progress = stderrIsTerminal()

	var samples []evaluate.Sample
	add := func(root string, isAttack bool) error {
		t, err := collect(c.Context, []string{root}, o)
		if err != nil {
			return err
		}
		if !slices.Equal(t.names, m.FeatureNames) {
			return fmt.Errorf("%s: the samples have features %v but the model was trained on %v", root, t.names, m.FeatureNames)
		}
		rows, bad := judge(m, t)
		if len(bad) > 0 {
			return failed(bad, "%d of %d samples in %s not judged", len(bad), len(rows), root)
		}
		for _, r := range rows {
			s := evaluate.Sample{Name: r.Sample, Score: r.Score, Attack: isAttack}
			if isAttack {
				s.Family = evaluate.Family(root, r.Sample)
			}
			samples = append(samples, s)
		}
		return nil
	}
	for _, p := range normal {
		if err := add(p, false); err != nil {
			return err
		}
	}
	for _, p := range attack {
		if err := add(p, true); err != nil {
			return err
		}
	}
	rep := evaluate.Compute(samples)
	secs := time.Since(start).Seconds()
	if f := c.String("roc"); f != "" {
		if err := writeROC(f, rep.ROC); err != nil {
			return fmt.Errorf("write ROC curve: %w", err)
		}
	}
	if format == "json" {
		return writeEvaluationJSON(os.Stdout, rep, secs)
	}
	return writeEvaluationTable(os.Stdout, rep, m, secs)
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

func writeEvaluationJSON(w io.Writer, r evaluate.Report, secs float64) error {
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

func writeEvaluationTable(w io.Writer, r evaluate.Report, m *model.Model, secs float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s, trained on %d samples\n", report.Escape(m.Algorithm), m.Samples)
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
			row := []string{report.Escape(name), strconv.Itoa(f.Attack), strconv.Itoa(f.Detected), fixed(f.AUC)}
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

// writeROC writes the curve's points as CSV: false_alarm, detection,
// threshold (score at or below which a sample is flagged).
func writeROC(path string, pts []evaluate.ROCPoint) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write([]string{"false_alarm", "detection", "threshold"})
	for _, p := range pts {
		cw.Write([]string{
			strconv.FormatFloat(p.FalseAlarm, 'g', -1, 64),
			strconv.FormatFloat(p.Detection, 'g', -1, 64),
			strconv.FormatFloat(p.Threshold, 'g', -1, 64),
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
