package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"detector/internal/digest"
	"detector/model"
	"detector/pipeline"
	"detector/report"
	"detector/samples"
)

func detectFlags() []cli.Flag {
	return append(append([]cli.Flag{
		modelFlag(),
		&cli.StringFlag{Name: "output", Value: "table", Usage: "report format `FORMAT`: table, json (JSON Lines) or csv"},
		csvRawFlag(),
		&cli.Float64Flag{Name: "threshold", Value: 0, Usage: "decision boundary `S`: a score below S is anomalous (0 is the model's own; confidence measures the distance from S)"},
		&cli.BoolFlag{Name: "explain", Usage: "table: print each finding's evidence (calls with pid and time from the sample's start, the process and its parents) below its row"},
		&cli.BoolFlag{Name: "wide", Usage: "table: one line per sample in a box table, nothing shortened (the default fits $COLUMNS, else the terminal's width, else 80 columns)"},
	}, append(append(behaviourFlags(), inputFlags()...), commandFlags()...)...), execFlags()...)
}

func detectCommand() *cli.Command {
	return &cli.Command{
		Name:      "detect",
		Usage:     "judge samples against the trained model and the behaviour rules (exit 1 if a sample's severity reaches --fail-on)",
		ArgsUsage: "[PATH...] [-- CMD ARGS...]",
		Flags:     detectFlags(),
		Action:    func(c *cli.Context) error { return runDetect(c, c.Args().Slice()) },
	}
}

func runDetect(c *cli.Context, paths []string) error {
	started := time.Now()
	if err := checkPaths(c, "detect", paths); err != nil {
		return err
	}
	write, err := reportWriter(c.String("output"), c.Bool("csv-raw"))
	if err != nil {
		return err
	}
	m, err := loadModel(c)
	if err != nil {
		return err
	}
	if path, err := modelPath(c); err == nil {
		warnOriginForSamples(m, path)
	}
	b, err := newBehaviour(c)
	if err != nil {
		return err
	}
	o, err := sampleOptions(c)
	if err != nil {
		return err
	}
	o.Consumers = b.consumers
	o.Sequences = m.Spec().Sequences
	o.Behaviour = m.Spec().Behaviour
	o.Digest = digestKeyed(m)
	t, err := collect(c.Context, paths, o)
	if err != nil {
		return err
	}
	if !slices.Equal(t.Names, m.FeatureNames) {
		return withHint(fmt.Errorf("the samples have features %v but the model was trained on %v", t.Names, m.FeatureNames),
			"detect with the same kind of input the model was trained on")
	}
	if t.Executed() && m.TraceOptions != "" {
		if now := traceRecording(t.Tracer); recording(m.TraceOptions) != now {
			warnf("the model was trained on traces recorded with %s, these with %s: scores may shift", recording(m.TraceOptions), now)
		}
	}
	threshold := c.Float64("threshold")
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return withHint(fmt.Errorf("--threshold must be a finite number, not %v", threshold), "for example --threshold -0.1")
	}
	rows, bad := judge(m, t, threshold)
	labelRows(rows, t, len(o.Commands))
	failing, err := b.judge(t, rows, m.Algorithm, threshold)
	if err != nil {
		return err
	}
	// Every sample gets its row, in every format, even when none could be
	// judged: a program reading the report sees each error.
	if err := write(os.Stdout, rows, summary(m, c, started)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if len(bad) == len(rows) {
		return allFailed(bad)
	}
	if len(bad) > 0 {
		return failed(bad, "%d of %d samples not judged", len(bad), len(rows))
	}
	// --fail-on decides, for the rules and the model alike.
	if failing {
		return errAnomalous
	}
	return nil
}

// recording spells a model's trace options as traceRecording does (models
// before the eBPF tracer keep strace's options alone).
func recording(opts string) string {
	if opts == "ebpf" || strings.HasPrefix(opts, "strace ") {
		return opts
	}
	return "strace " + opts
}

func summary(m *model.Model, c *cli.Context, started time.Time) report.Summary {
	path, _ := modelPath(c)
	host, _ := os.Hostname()
	return report.Summary{
		Started:        started,
		Host:           host,
		ToolVersion:    version,
		ModelSHA256:    digest.File(path),
		ModelAlgorithm: m.Algorithm,
		FeatureNames:   m.FeatureNames,
		Algorithm:      m.Spec().Title,
		Params:         m.Spec().Describe(m.Parameters()),
		TrainSamples:   m.Samples,
		Trained:        m.Created,
		ModelPath:      path,
		Explain:        c.Bool("explain"),
		Wide:           c.Bool("wide"),
		Width:          tableWidth(),
		Threshold:      c.Float64("threshold"),
		Elapsed:        time.Since(started),
	}
}

// labelRows gives the rows of samples read from paths their table label:
// the path relative to the folder all of them share (report.Labels). The
// samples given as command lines (the last nCommands) and standard input
// keep their names.
func labelRows(rows []report.Row, t *pipeline.Table, nCommands int) {
	var idx []int
	var paths []string
	for i, s := range t.Samples[:len(t.Samples)-nCommands] {
		if s.Path != "" && !isSpool(s.Path) && s.Kind != samples.KindCSV {
			idx = append(idx, i)
			paths = append(paths, s.Name)
		}
	}
	for k, l := range report.Labels(paths) {
		rows[idx[k]].Label = l
	}
}
