package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"detector/algo"
	"detector/model"
	"detector/procmetrics"
	"detector/rules"
)

// procTrainFlags are train's flags for --input proc.
func procTrainFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "duration", Value: 10 * time.Minute, Usage: "--input proc: sample the live processes for `D`"},
		&cli.DurationFlag{Name: "poll", Value: time.Second, Usage: "--input proc: read the process table every `D`"},
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
