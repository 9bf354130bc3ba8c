package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"detector/evaluate"
	"detector/internal/digest"
	"detector/model"
	"detector/pipeline"
	"detector/profile"
	"detector/report"
	"detector/report/chart"
)

func evaluateCommand() *cli.Command {
	return &cli.Command{
		Name:  "evaluate",
		Usage: "measure detection quality on labelled samples: ROC AUC, detection rate at fixed false-alarm rates",
		Flags: append(append([]cli.Flag{
			&cli.StringSliceFlag{Name: "model", Usage: "model file `FILE`; repeat it to compare models on the same samples (default: as for detect)"},
			&cli.StringSliceFlag{Name: "normal", Usage: "`PATH` of normal samples (negatives); repeatable"},
			&cli.StringSliceFlag{Name: "attack", Usage: "`PATH` of attack samples (positives); repeatable; the first folder below it names the family"},
			&cli.StringFlag{Name: "output", Value: "table", Usage: "`FORMAT`: table or json"},
			&cli.StringFlag{Name: "roc", Usage: "draw the ROC curves to `FILE`: an SVG picture if it ends in .svg, else the points as CSV"},
		}, inputFlags()...), execFlags()...),
		Action: runEvaluate,
	}
}

// evalModel is a model that evaluate measures.
type evalModel struct {
	path, sum string
	m         *model.Model
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
	paths := c.StringSlice("model")
	if len(paths) == 0 {
		p, err := modelPath(c)
		if err != nil {
			return err
		}
		paths = []string{p}
	}
	var models []evalModel
	sequences, behaviour := false, false
	keyed := map[bool]bool{} // profile models keyed by digest, by path
	for _, p := range paths {
		m, err := loadModelAt(p)
		if err != nil {
			return err
		}
		warnOriginForSamples(m, p)
		models = append(models, evalModel{path: p, sum: digest.File(p), m: m})
		sequences = sequences || m.Spec().Sequences
		behaviour = behaviour || m.Spec().Behaviour
		if m.Algorithm == profile.Spec.Name {
			keyed[digestKeyed(m)] = true
		}
	}
	if len(keyed) > 1 {
		return withHint(errors.New("profile models keyed by sha256 and by path read the samples differently"),
			"evaluate them in two runs")
	}
	o, err := sampleOptions(c)
	if err != nil {
		return err
	}
	o.Sequences = sequences
	o.Behaviour = behaviour
	o.Digest = keyed[true]
	// The ROC file's path is checked before any sample is read.
	var roc *output
	if f := c.String("roc"); f != "" {
		out, err := openOutput("--roc", f)
		if err != nil {
			return err
		}
		defer out.abort() // after commit it does nothing
		roc = &out
	}

	// Every sample is read once and judged by every model.
	type root struct {
		path   string
		attack bool
		t      *pipeline.Table
	}
	var roots []root
	for _, p := range normal {
		roots = append(roots, root{path: p})
	}
	for _, p := range attack {
		roots = append(roots, root{path: p, attack: true})
	}
	for i := range roots {
		if roots[i].t, err = collect(c.Context, []string{roots[i].path}, o); err != nil {
			return err
		}
	}
	reps := make([]evaluate.Report, len(models))
	for k, em := range models {
		var samples []evaluate.Sample
		for _, r := range roots {
			if !slices.Equal(r.t.Names, em.m.FeatureNames) {
				return fmt.Errorf("%s: the samples have features %v but the model %s was trained on %v", r.path, r.t.Names, em.path, em.m.FeatureNames)
			}
			rows, bad := judge(em.m, r.t, 0)
			if len(bad) > 0 {
				return failed(bad, "%d of %d samples in %s not judged", len(bad), len(rows), r.path)
			}
			for _, row := range rows {
				s := evaluate.Sample{Name: row.Sample, Score: row.Score, Attack: r.attack}
				if r.attack {
					s.Family = evaluate.Family(r.path, row.Sample)
				}
				samples = append(samples, s)
			}
		}
		reps[k] = evaluate.Compute(samples)
	}
	secs := time.Since(start).Seconds()
	if roc != nil {
		if err := writeROC(roc.w, c.String("roc"), models, reps); err != nil {
			return fmt.Errorf("write ROC curve: %w", err)
		}
		if err := roc.commit(); err != nil {
			return fmt.Errorf("write ROC curve: %w", err)
		}
	}
	for k, em := range models {
		desc := report.EvaluationModel{Algorithm: em.m.Spec().Title, TrainSamples: em.m.Samples,
			Path: em.path, Name: em.m.Algorithm, SHA256: em.sum}
		if format == "json" {
			err = report.WriteEvaluationJSON(os.Stdout, reps[k], desc, secs)
		} else {
			if k > 0 {
				fmt.Fprintln(os.Stdout)
			}
			err = report.WriteEvaluationTable(os.Stdout, reps[k], desc, secs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeROC writes the ROC curves: an SVG picture when name ends in .svg,
// else CSV (false_alarm, detection, threshold; with several models a
// first column names the model).
func writeROC(w io.Writer, name string, models []evalModel, reps []evaluate.Report) error {
	if strings.EqualFold(filepath.Ext(name), ".svg") {
		var curves []chart.Curve
		for k, em := range models {
			label := em.m.Spec().Title
			if len(models) > 1 {
				label += " " + filepath.Base(em.path)
			}
			curves = append(curves, chart.Curve{Name: label, AUC: reps[k].AUC, Points: reps[k].ROC})
		}
		return chart.WriteROC(w, curves)
	}
	if len(models) == 1 {
		return report.WriteROCCSV(w, reps[0].ROC)
	}
	var sets []report.ROCSet
	for k, em := range models {
		sets = append(sets, report.ROCSet{Model: em.path, Points: reps[k].ROC})
	}
	return report.WriteROCSetsCSV(w, sets)
}
