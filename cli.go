package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"detector/internal/safefile"
	"detector/model"
	"detector/pipeline"
	"detector/report"
)

// Helpers that several commands share.

// collect reads the samples in paths with a progress bar on stderr when
// stderr is a terminal.
func collect(ctx context.Context, paths []string, o pipeline.Options) (*pipeline.Table, error) {
	bar := newProgress(os.Stderr, stderrIsTerminal())
	o.Progress = bar.step
	t, err := pipeline.Collect(ctx, paths, o)
	bar.done()
	return t, err
}

// errInterrupted is collect's error when Ctrl+C or SIGTERM stopped it.
var errInterrupted = pipeline.ErrInterrupted

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
	if errors.Is(err, safefile.ErrNotRegular) {
		return nil, withHint(fmt.Errorf("model: %w", err), "name a model file with --model FILE")
	}
	if err != nil {
		return nil, withHint(err, "train the model again: detector train PATH...")
	}
	return m, nil
}

// allFailed reports a run in which no sample could be read.
func allFailed(bad []pipeline.Sample) error {
	if len(bad) == 1 {
		return bad[0].Err
	}
	return failed(bad, "none of the %d samples could be read", len(bad))
}

// failed reports samples that could not be used: every error but the
// first becomes a warning, and the first ends the message, which is
// format and args followed by "; first: <error>".
func failed(bad []pipeline.Sample, format string, args ...any) error {
	for _, s := range bad[1:] {
		warnf("%v", s.Err)
	}
	return fmt.Errorf(format+"; first: %w", append(args, bad[0].Err)...)
}
