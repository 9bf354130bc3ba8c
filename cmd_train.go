package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"detector/algo"
	"detector/internal/safefile"
	"detector/model"
	"detector/observe"
	"detector/pipeline"
	"detector/procmetrics"
	"detector/profile"
	"detector/report"
	"detector/rules"
	"detector/sandbox"
)

func trainFlags() []cli.Flag {
	flags := []cli.Flag{
		modelFlag(),
		&cli.BoolFlag{Name: "force", Usage: "replace the --model file even if it is not a detector model (never a folder, device, FIFO or symlink)"},
		&cli.StringFlag{Name: "algorithm", Value: "profile", Usage: "`ALG` (for feature tables the default is " + tableAlgorithm + "): " + algorithmUsage()},
	}
	flags = append(flags, algorithmFlags()...)
	return append(append(append(append(flags, inputFlags()...), commandFlags()...), procTrainFlags()...), execFlags()...)
}

// algorithmUsage lists the registered detectors for --help.
func algorithmUsage() string {
	var parts []string
	for _, s := range algo.All() {
		parts = append(parts, s.Name+" ("+s.Title+")")
	}
	return strings.Join(parts, ", ")
}

// algorithmFlags are the registered detectors' parameters as flags, each
// once, its usage led by the detectors that take it; a parameter that
// several share (--contamination) keeps the first one's default.
func algorithmFlags() []cli.Flag {
	var flags []*cli.StringFlag
	byName := map[string]*cli.StringFlag{}
	users := map[string][]string{}
	for _, s := range algo.All() {
		for _, p := range s.Params {
			users[p.Name] = append(users[p.Name], s.Name)
			if byName[p.Name] == nil {
				f := &cli.StringFlag{Name: p.Name, Value: p.Default, Usage: p.Usage}
				byName[p.Name] = f
				flags = append(flags, f)
			}
		}
	}
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		f.Usage = strings.Join(users[f.Name], ", ") + ": " + f.Usage
		out[i] = f
	}
	return out
}

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:      "train",
		Usage:     "learn normal behaviour from benign samples and save the model",
		ArgsUsage: "[PATH...] [-- CMD ARGS...]",
		Flags:     trainFlags(),
		Action:    func(c *cli.Context) error { return runTrain(c, c.Args().Slice()) },
	}
}

// trainSpec finds the --algorithm and checks its parameters before any
// sample is read, so a typo costs nothing.
func trainSpec(c *cli.Context) (algo.Spec, algo.Args, error) {
	spec, err := algo.Lookup(c.String("algorithm"))
	if err != nil {
		return spec, nil, withHint(err, "--algorithm takes "+algo.NameList())
	}
	args := algo.NewArgs(spec, func(name string) (string, bool) { return c.String(name), c.IsSet(name) })
	if err := spec.Check(args); err != nil {
		return spec, nil, err
	}
	return spec, args, nil
}

func runTrain(c *cli.Context, paths []string) error {
	if c.String("input") == "proc" {
		return runTrainProc(c, paths)
	}
	if err := checkPaths(c, "train", paths); err != nil {
		return err
	}
	spec, args, err := trainSpec(c)
	if err != nil {
		return err
	}
	path, force, err := modelTarget(c)
	if err != nil {
		return err
	}
	o, err := sampleOptions(c)
	if err != nil {
		return err
	}
	o.Sequences = spec.Sequences
	o.Behaviour = spec.Behaviour
	o.Digest = spec.Name == profile.Spec.Name && profile.Keyed(args)
	t, err := collect(c.Context, paths, o)
	if errors.Is(err, errInterrupted) {
		return errors.New("interrupted: model not written")
	}
	if err != nil {
		return err
	}
	// One unusable sample (a program that does not exist, a file that
	// cannot be read) does not sink the run: the model is trained on the
	// rest, each skipped sample is named, and the status is 2 so that a
	// script notices that "normal" was learnt from fewer samples than given.
	bad := t.Errs()
	if len(bad) == len(t.Samples) {
		return withHint(allFailed(bad), "remove or fix those samples and train again")
	}
	for _, s := range bad {
		warnf("skip training sample: %v", s.Err)
	}
	total := len(t.Samples)
	t.Samples = slices.DeleteFunc(t.Samples, func(s pipeline.Sample) bool { return s.Err != nil })
	if spec, args, err = tableDefault(c, spec, args, t.Samples); err != nil {
		return err
	}
	rows := make([][]float64, len(t.Samples))
	info := make([]model.SampleInfo, len(t.Samples))
	var seqs [][][]string
	var beh []*observe.Sample
	for i, s := range t.Samples {
		rows[i] = s.Vec
		info[i].Name = s.Name
		if s.Run != nil {
			info[i].TimedOut, info[i].Truncated = s.Run.TimedOut, s.Run.Truncated
		}
		if spec.Sequences {
			seqs = append(seqs, s.Seqs)
		}
		if spec.Behaviour {
			beh = append(beh, s.Behaviour)
		}
	}
	if len(rows) < 2 {
		if len(bad) > 0 {
			return withHint(fmt.Errorf("training needs at least 2 usable samples, found 1 (%d of %d unusable), model not written", len(bad), total),
				"remove or fix those samples and train again")
		}
		return withHint(errors.New("training needs at least 2 samples, found 1"), "give more benign samples")
	}
	p := model.Params{
		Input:       t.Kinds(),
		ToolVersion: version,
		Now:         time.Now(),
		Fit:         algo.FitOptions{Jobs: c.Int("jobs"), Warn: warnf},
		Samples:     info,
		Behaviour:   beh,
	}
	if t.Executed() {
		p.TraceOptions = sandbox.TraceOptions
		if t.Tracer == "ebpf" {
			p.TraceOptions = "ebpf"
		}
	}
	m, err := model.Train(t.Names, rows, seqs, spec, args, p)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if c.Context.Err() != nil {
		return errors.New("interrupted: model not written")
	}
	if err := saveTrained(path, force, m, fmt.Sprintf("trained %s on %d samples", spec.Name, len(rows))); err != nil {
		return err
	}
	if len(bad) > 0 {
		return withHint(fmt.Errorf("%d of %d training samples unusable and skipped (named above); the model holds the other %d", len(bad), total, len(rows)),
			"fix or remove those samples and train again to learn from them")
	}
	return nil
}

// tableAlgorithm is the default algorithm for feature tables, which carry
// no program behaviour for the default (profile) to learn.
const tableAlgorithm = "lof"

// tableDefault returns the algorithm to train samples with: the one asked
// for, else the default, but tableAlgorithm when the default cannot learn
// from samples that are all feature-table rows.
func tableDefault(c *cli.Context, spec algo.Spec, args algo.Args, samples []pipeline.Sample) (algo.Spec, algo.Args, error) {
	if c.IsSet("algorithm") || !spec.Behaviour {
		return spec, args, nil
	}
	for _, s := range samples {
		if s.Behaviour != nil || s.Seqs != nil {
			return spec, args, nil
		}
	}
	if err := c.Set("algorithm", tableAlgorithm); err != nil {
		return spec, args, err
	}
	return trainSpec(c)
}

// modelTarget is the --model path train writes, checked before any sample
// is read, and whether --force allows replacing a file that is no model.
func modelTarget(c *cli.Context) (path string, force bool, err error) {
	if path, err = modelPath(c); err != nil {
		return "", false, err
	}
	force = c.Bool("force")
	return path, force, checkModelTarget(path, force)
}

// saveTrained writes m to path, says what was trained (what) and prints
// the model's diagnostics.
func saveTrained(path string, force bool, m *model.Model, what string) error {
	save := model.Save
	if force {
		save = model.SaveForce
	}
	if err := save(path, m); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return withHint(fmt.Errorf("save model: %w", err), permissionHint(path, "write"))
		}
		return fmt.Errorf("save model: %w", err)
	}
	fmt.Fprintf(os.Stderr, "detector: %s; model saved to %s\n", what, report.Escape(path))
	printDiagnostics(m)
	return nil
}

// printDiagnostics tells, after training, how many training samples the
// model itself flags and warns about what makes the set doubtful.
func printDiagnostics(m *model.Model) {
	fmt.Fprintf(os.Stderr, "detector: %s\n", report.Escape(m.FlaggedText()))
	for _, w := range m.Warnings() {
		warnf("%s", w)
	}
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
	case errors.Is(err, fs.ErrPermission):
		return withHint(fmt.Errorf("model path: %w", err), permissionHint(path, "write"))
	}
	return fmt.Errorf("model path: %w", err)
}

// procTrainFlags are train's flags for --input proc.
func procTrainFlags() []cli.Flag {
	return []cli.Flag{
		durationFlag(10*time.Minute, ""),
		pollFlag(),
	}
}

// maxProcRows bounds the rows a process-table training keeps.
const maxProcRows = 1_000_000

// procLists are the shells and servers the process metrics name, from
// the default rule set.
func procLists() procmetrics.Lists {
	set, err := rules.Default()
	if err != nil {
		return procmetrics.Lists{}
	}
	return procmetrics.Lists{Shells: set.List("shells"), Servers: set.List("server_names")}
}

// runTrainProc learns from the live process table: every process at every
// poll is a row of the process metrics (see procmetrics), and the model,
// Isolation Forest unless --algorithm says otherwise, is fitted on them.
func runTrainProc(c *cli.Context, paths []string) error {
	if len(paths) > 0 || hasCommands(c) {
		return withHint(errors.New("train --input proc samples the live process table: it takes no PATH or command"),
			"detector train --input proc --duration 10m")
	}
	if !c.IsSet("algorithm") {
		if err := c.Set("algorithm", "iforest"); err != nil {
			return err
		}
	}
	spec, args, err := trainSpec(c)
	if err != nil {
		return err
	}
	if spec.Sequences {
		return withHint(fmt.Errorf("%s needs call sequences; the process table has none", spec.Title), "use lof, ocsvm or iforest with --input proc")
	}
	duration, poll := c.Duration("duration"), c.Duration("poll")
	if duration <= 0 || poll <= 0 || poll > duration {
		return withHint(fmt.Errorf("--duration %s and --poll %s: both must be positive, the poll no longer than the duration", duration, poll),
			"for example --duration 10m --poll 1s")
	}
	path, force, err := modelTarget(c)
	if err != nil {
		return err
	}
	s, err := procmetrics.NewSampler("", procLists())
	if err != nil {
		return fmt.Errorf("read the process table: %w", err)
	}
	fmt.Fprintf(os.Stderr, "detector: sampling the live processes every %s for %s\n", poll, duration)
	ctx, cancel := context.WithTimeout(c.Context, duration)
	defer cancel()
	var rows [][]float64
	var info []model.SampleInfo
	polls := 0
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		got, err := s.Poll()
		if err != nil {
			return fmt.Errorf("read the process table: %w", err)
		}
		polls++
		for _, r := range got {
			if len(rows) == maxProcRows {
				break
			}
			rows = append(rows, r.Values)
			info = append(info, model.SampleInfo{Name: "pid " + strconv.Itoa(r.PID) + " " + r.Exe})
		}
		if len(rows) == maxProcRows {
			warnf("%d rows sampled: training on them and stopping early", maxProcRows)
			break
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	if c.Context.Err() != nil {
		return errors.New("interrupted: model not written")
	}
	if len(rows) < 2 {
		return withHint(fmt.Errorf("%d process rows from %d polls: too few to train on", len(rows), polls),
			"sample longer (--duration), or run as root to see every process")
	}
	p := model.Params{Input: "proc", ToolVersion: version, Now: time.Now(),
		Fit: algo.FitOptions{Jobs: c.Int("jobs"), Warn: warnf}, Samples: info}
	m, err := model.Train(procmetrics.Names, rows, nil, spec, args, p)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return saveTrained(path, force, m, fmt.Sprintf("trained %s on %d process rows from %d polls", spec.Name, len(rows), polls))
}
