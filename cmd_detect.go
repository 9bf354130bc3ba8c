package main

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/urfave/cli/v2"

	"detector/model"
	"detector/report"
)

func detectFlags() []cli.Flag {
	return append(append([]cli.Flag{
		modelFlag(),
		&cli.StringFlag{Name: "output", Value: "table", Usage: "report format `FORMAT`: table, json (JSON Lines) or csv"},
	}, inputFlags()...), execFlags()...)
}

func detectCommand() *cli.Command {
	return &cli.Command{
		Name:      "detect",
		Usage:     "judge samples against the trained model (exit 1 if any is anomalous)",
		ArgsUsage: "PATH...",
		Flags:     detectFlags(),
		Action:    func(c *cli.Context) error { return runDetect(c, c.Args().Slice()) },
	}
}

func runDetect(c *cli.Context, paths []string) error {
	if err := checkPaths("detect", paths); err != nil {
		return err
	}
	write, err := reportWriter(c.String("output"))
	if err != nil {
		return err
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
	t, err := collect(c.Context, paths, o)
	if err != nil {
		return err
	}
	if !slices.Equal(t.names, m.FeatureNames) {
		return withHint(fmt.Errorf("the samples have features %v but the model was trained on %v", t.names, m.FeatureNames),
			"detect with the same kind of input the model was trained on")
	}
	rows, bad := judge(m, t)
	// Every sample gets its row, in every format, even when none could be
	// judged: a program reading the report sees each error.
	if err := write(os.Stdout, rows, summary(m, c)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if len(bad) == len(rows) {
		return allFailed(bad)
	}
	if len(bad) > 0 {
		return failed(bad, "%d of %d samples not judged", len(bad), len(rows))
	}
	if anom, _ := report.Counts(rows); anom > 0 {
		return errAnomalous
	}
	return nil
}

// judge scores every usable sample and returns the report rows in input
// order, and the samples that could not be judged.
func judge(m *model.Model, t *table) (rows []report.Row, bad []sample) {
	var vecs [][]float64
	for _, s := range t.samples {
		if s.err == nil {
			vecs = append(vecs, s.vec)
		}
	}
	results := m.Score(vecs)
	rows = make([]report.Row, len(t.samples))
	for i, s := range t.samples {
		r := report.Row{Sample: s.name, Features: s.vec, Run: s.run}
		if s.err == nil {
			res := results[0]
			results = results[1:]
			if res.Err != nil {
				// A score that cannot be computed is never "normal".
				s.err = fmt.Errorf("%s: cannot be judged: %w", s.name, res.Err)
			} else {
				r.Score, r.Confidence, r.Deviations = res.Score, res.Confidence, res.Deviations
				r.Verdict = report.Normal
				if res.Anomalous {
					r.Verdict = report.Anomalous
				}
			}
		}
		if s.err != nil {
			r.Verdict, r.Err = report.Error, s.err.Error()
			bad = append(bad, s)
		}
		rows[i] = r
	}
	return rows, bad
}

func summary(m *model.Model, c *cli.Context) report.Summary {
	path, _ := modelPath(c)
	return report.Summary{
		FeatureNames: m.FeatureNames,
		Algorithm:    m.Algorithm,
		Params:       m.Parameters(),
		TrainSamples: m.Samples,
		Trained:      m.Created,
		ModelPath:    path,
	}
}

type writeFunc func(w io.Writer, rows []report.Row, s report.Summary) error

func reportWriter(format string) (writeFunc, error) {
	switch format {
	case "table":
		return report.WriteTable, nil
	case "json":
		return report.WriteJSON, nil
	case "csv":
		return report.WriteCSV, nil
	}
	return nil, withHint(fmt.Errorf("unknown output format %q", format), "--output takes table, json or csv")
}

// loadModel loads the model named by --model or the default location.
func loadModel(c *cli.Context) (*model.Model, error) {
	path, err := modelPath(c)
	if err != nil {
		return nil, err
	}
	m, err := model.Load(path)
	if os.IsNotExist(err) {
		return nil, withHint(fmt.Errorf("no model at %s", path), "train one first: detector train PATH... (or name it with --model FILE)")
	}
	if err != nil {
		return nil, withHint(err, "train the model again: detector train PATH...")
	}
	return m, nil
}

// allFailed reports a run in which no sample could be read.
func allFailed(bad []sample) error {
	if len(bad) == 1 {
		return bad[0].err
	}
	return failed(bad, "none of the %d samples could be read", len(bad))
}

// failed reports samples that could not be used: every error but the
// first becomes a warning, and the first ends the message, which is
// format and args followed by "; first: <error>".
func failed(bad []sample, format string, args ...any) error {
	for _, s := range bad[1:] {
		warnf("%v", s.err)
	}
	return fmt.Errorf(format+"; first: %w", append(args, bad[0].err)...)
}
