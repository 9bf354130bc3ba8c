package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"detector/internal/safefile"
	"detector/model"
	"detector/report"
)

func trainFlags() []cli.Flag {
	return append(append([]cli.Flag{
		modelFlag(),
		&cli.BoolFlag{Name: "force", Usage: "replace the --model file even if it is not a detector model (never a folder, device, FIFO or symlink)"},
		&cli.StringFlag{Name: "algorithm", Value: "lof", Usage: "`ALG`: lof (Local Outlier Factor) or ocsvm (One-Class SVM, RBF kernel)"},
		&cli.IntFlag{Name: "neighbors", Value: 20, Usage: "lof: neighbours k (capped at samples - 1)"},
		&cli.StringFlag{Name: "contamination", Value: "auto", Usage: "lof: expected share of outliers in training, auto or a number in (0, 0.5]"},
		&cli.Float64Flag{Name: "nu", Value: 0.05, Usage: "ocsvm: upper bound on the share of training outliers, in (0, 1]"},
		&cli.StringFlag{Name: "gamma", Value: "scale", Usage: "ocsvm: RBF kernel width: scale, auto or a positive number"},
	}, inputFlags()...), execFlags()...)
}

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:      "train",
		Usage:     "learn normal behaviour from benign samples and save the model",
		ArgsUsage: "PATH...",
		Flags:     trainFlags(),
		Action:    func(c *cli.Context) error { return runTrain(c, c.Args().Slice()) },
	}
}

// trainParams checks the algorithm flags before any sample is read, so a
// typo costs nothing.
func trainParams(c *cli.Context) (model.Params, error) {
	p := model.Params{
		Algorithm:   c.String("algorithm"),
		Neighbors:   c.Int("neighbors"),
		Nu:          c.Float64("nu"),
		Gamma:       c.String("gamma"),
		Input:       c.String("input"),
		ToolVersion: version,
	}
	switch p.Algorithm {
	case model.LOF:
		if p.Neighbors < 1 {
			return p, fmt.Errorf("--neighbors must be at least 1, not %d", p.Neighbors)
		}
		if s := c.String("contamination"); s != "auto" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !(v > 0 && v <= 0.5) {
				return p, fmt.Errorf("--contamination must be auto or a number in (0, 0.5], not %q", s)
			}
			p.Contamination = v
		}
	case model.OCSVM:
		if !(p.Nu > 0 && p.Nu <= 1) {
			return p, fmt.Errorf("--nu must be in (0, 1], not %v", p.Nu)
		}
		if _, err := model.ParseGamma(p.Gamma); err != nil {
			return p, fmt.Errorf("--gamma: %w", err)
		}
	default:
		return p, withHint(fmt.Errorf("unknown algorithm %q", p.Algorithm), "--algorithm takes lof or ocsvm")
	}
	return p, nil
}

func runTrain(c *cli.Context, paths []string) error {
	if err := checkPaths("train", paths); err != nil {
		return err
	}
	p, err := trainParams(c)
	if err != nil {
		return err
	}
	path, err := modelPath(c)
	if err != nil {
		return err
	}
	force := c.Bool("force")
	if err := checkModelTarget(path, force); err != nil {
		return err
	}
	o, err := sampleOptions(c)
	if err != nil {
		return err
	}
	o.progress = stderrIsTerminal()
	t, err := collect(c.Context, paths, o)
	if errors.Is(err, errInterrupted) {
		return errors.New("interrupted: model not written")
	}
	if err != nil {
		return err
	}
	// Training on a partial set would silently change what "normal"
	// means: every sample must be usable.
	if bad := t.errs(); len(bad) > 0 {
		err := failed(bad, "%d of %d training samples unusable, model not written", len(bad), len(t.samples))
		return withHint(err, "remove or fix those samples and train again")
	}
	rows := make([][]float64, len(t.samples))
	for i, s := range t.samples {
		rows[i] = s.vec
	}
	if len(rows) < 2 {
		return withHint(errors.New("training needs at least 2 samples, found 1"), "give more benign samples")
	}
	if p.Algorithm == model.LOF && p.Neighbors >= len(rows) {
		warnf("--neighbors %d capped at %d (training samples - 1)", p.Neighbors, len(rows)-1)
		p.Neighbors = len(rows) - 1
	}
	p.Now = time.Now()
	m, err := model.Train(t.names, rows, p)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if c.Context.Err() != nil {
		return errors.New("interrupted: model not written")
	}
	save := model.Save
	if force {
		save = model.SaveForce
	}
	if err := save(path, m); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	fmt.Fprintf(os.Stderr, "detector: trained %s on %d samples; model saved to %s\n", p.Algorithm, len(rows), report.Escape(path))
	return nil
}

// checkModelTarget refuses, before any sample is read, a model path that
// training could not or should not replace.
func checkModelTarget(path string, force bool) error {
	err := model.CheckSaveTarget(path, force)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, model.ErrNotModel):
		return withHint(err, "add --force to overwrite it, or name another file with --model")
	case errors.Is(err, safefile.ErrNotRegular):
		return withHint(fmt.Errorf("model path: %w", err), "name a regular file or a new path with --model")
	}
	return fmt.Errorf("model path: %w", err)
}
