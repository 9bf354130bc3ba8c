package main

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"detector/evaluate"
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
	o.Sequences = m.Spec().Sequences
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

	var samples []evaluate.Sample
	add := func(root string, isAttack bool) error {
		t, err := collect(c.Context, []string{root}, o)
		if err != nil {
			return err
		}
		if !slices.Equal(t.Names, m.FeatureNames) {
			return fmt.Errorf("%s: the samples have features %v but the model was trained on %v", root, t.Names, m.FeatureNames)
		}
		rows, bad := judge(m, t, 0)
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
	if roc != nil {
		if err := report.WriteROCCSV(roc.w, rep.ROC); err != nil {
			return fmt.Errorf("write ROC curve: %w", err)
		}
		if err := roc.commit(); err != nil {
			return fmt.Errorf("write ROC curve: %w", err)
		}
	}
	if format == "json" {
		return report.WriteEvaluationJSON(os.Stdout, rep, secs)
	}
	return report.WriteEvaluationTable(os.Stdout, rep, report.EvaluationModel{Algorithm: m.Spec().Title, TrainSamples: m.Samples}, secs)
}
