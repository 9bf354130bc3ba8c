package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"detector/report"
)

func featuresCommand() *cli.Command {
	return &cli.Command{
		Name:      "features",
		Usage:     "print each sample's ten features (and, as JSON, its syscall histogram)",
		ArgsUsage: "[PATH...] [-- CMD ARGS...]",
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "output", Value: "csv", Usage: "`FORMAT`: csv (a table train --input csv reads) or json (JSON Lines)"},
			csvRawFlag(),
		}, append(inputFlags(), commandFlags()...)...), execFlags()...),
		Action: runFeatures,
	}
}

func runFeatures(c *cli.Context) error {
	paths := c.Args().Slice()
	if err := checkPaths(c, "features", paths); err != nil {
		return err
	}
	format := c.String("output")
	if format != "csv" && format != "json" {
		return withHint(fmt.Errorf("unknown output format %q", format), "--output takes csv or json")
	}
	o, err := sampleOptions(c)
	if err != nil {
		return err
	}
	t, err := collect(c.Context, paths, o)
	if err != nil {
		return err
	}
	var rows []report.FeatureRow
	bad := t.Errs()
	if len(bad) == len(t.Samples) {
		return allFailed(bad)
	}
	for _, s := range t.Samples {
		if s.Err == nil {
			rows = append(rows, report.FeatureRow{Sample: s.Name, Features: s.Vec, Syscalls: s.Syscalls})
		}
	}
	if format == "json" {
		err = report.WriteFeaturesJSON(os.Stdout, t.Names, rows)
	} else {
		err = report.WriteFeaturesCSV(os.Stdout, t.Names, rows, report.CSVOptions{Raw: c.Bool("csv-raw")})
	}
	if err != nil {
		return fmt.Errorf("write features: %w", err)
	}
	if len(bad) > 0 {
		return failed(bad, "%d of %d samples have no features", len(bad), len(t.Samples))
	}
	return nil
}
