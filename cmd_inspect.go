package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"detector/report"
	"detector/report/chart"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:  "inspect",
		Usage: "describe a trained model",
		Flags: []cli.Flag{
			modelFlag(),
			&cli.StringFlag{Name: "plot", Usage: "also draw the distribution of the training scores, with the threshold, to `FILE` (SVG)"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return withHint(fmt.Errorf("inspect takes no paths"), "name the model with --model FILE")
			}
			path, err := modelPath(c)
			if err != nil {
				return err
			}
			// The picture's path is checked before the model is read.
			var plot *output
			if f := c.String("plot"); f != "" {
				out, err := openOutput("--plot", f)
				if err != nil {
					return err
				}
				defer out.abort() // after commit it does nothing
				plot = &out
			}
			m, err := loadModelAt(path)
			if err != nil {
				return err
			}
			if err := report.WriteModel(c.App.Writer, path, m); err != nil {
				return err
			}
			if plot == nil {
				return nil
			}
			title := fmt.Sprintf("training scores of %s (%s)", filepath.Base(path), m.Spec().Title)
			if err := chart.WriteScores(plot.w, title, m.TrainScores, 0); err != nil {
				return fmt.Errorf("write --plot: %w", err)
			}
			if err := plot.commit(); err != nil {
				return fmt.Errorf("write --plot: %w", err)
			}
			return nil
		},
	}
}
