package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"detector/internal/safefile"
	"detector/model"
	"detector/monitor"
	"detector/report"
)

// learnStopGrace bounds the clean stop of monitor --learn after SIGTERM
// or SIGINT, which also makes and writes the model; the learning unit's
// TimeoutStopSec is longer.
const learnStopGrace = 100 * time.Second

// learning is monitor --learn's target: the model file to write and the
// host-learned model already there, merged with what is learned.
type learning struct {
	path string
	old  *model.Model
}

// learnTarget checks monitor --learn's flags before anything is watched,
// so that a day of learning cannot end in a file it may not write: nil
// without --learn.
func learnTarget(c *cli.Context, source string) (*learning, error) {
	if !c.IsSet("learn") {
		return nil, nil
	}
	if d := c.Duration("learn"); d <= 0 {
		return nil, withHint(fmt.Errorf("--learn must be positive, not %s", d), "for example --learn 24h")
	}
	if c.IsSet("duration") {
		return nil, withHint(errors.New("--learn and --duration both say how long to watch"), "give --learn D alone")
	}
	if source == "proc" {
		return nil, withHint(errors.New("--learn needs the programs' system calls, which the proc source does not see"), "learn with --source ebpf (or strace with --pid or a command)")
	}
	files := c.StringSlice("model")
	if len(files) != 1 {
		return nil, withHint(fmt.Errorf("--learn writes one model, and %d were named with --model", len(files)), "name the file to write: --learn 24h --model /var/lib/detector/host.gob")
	}
	l := &learning{path: files[0]}
	if err := model.CheckSaveTarget(l.path, false); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, withHint(fmt.Errorf("write model %s: permission denied", l.path), permissionHint(l.path, "write"))
		}
		return nil, withHint(fmt.Errorf("--model %s: %w", l.path, err), "name a new file or a host-learned model to add to")
	}
	if _, err := os.Lstat(l.path); err == nil {
		old, err := loadModelAt(l.path)
		if err != nil {
			return nil, err
		}
		if old.Origin == nil || old.Algorithm != "profile" {
			return nil, withHint(fmt.Errorf("the model %s was not learned on a host: --learn adds only to a model it wrote", l.path),
				"name a new file for the host's model")
		}
		l.old = old
	}
	if err := safefile.CheckReplaceable(l.path); err != nil {
		return nil, fmt.Errorf("--model %s: %w", l.path, err)
	}
	return l, nil
}

// write makes the model of what lr learned, merges it with the model
// already in the file, and writes it.
func (l *learning) write(c *cli.Context, lr *monitor.Learner, source string) error {
	took := time.Since(lr.Start()).Round(time.Second)
	if c.Context.Err() != nil {
		fmt.Fprintf(os.Stderr, "detector: monitor: learning stopped by a signal after %s; writing what was learned\n", took)
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	m, err := lr.Model(monitor.LearnInfo{Host: host, Source: source, ToolVersion: version})
	if errors.Is(err, monitor.ErrLearnedTooLittle) {
		return withHint(fmt.Errorf("learn: %w", err), "learn for longer, while the host does its ordinary work")
	}
	if err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	if l.old != nil {
		if m, err = model.Merge(l.old, m, time.Now()); err != nil {
			return withHint(fmt.Errorf("add to model %s: %w", l.path, err), "name a new file for the host's model")
		}
	}
	if err := model.Save(l.path, m); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return withHint(fmt.Errorf("write model %s: permission denied", l.path), permissionHint(l.path, "write"))
		}
		return fmt.Errorf("write model %s: %w", l.path, err)
	}
	images, programs, items, dropped := lr.Stats()
	msg := fmt.Sprintf("detector: monitor: learned %d programs (%d items) from %d program runs in %s", programs, items, images, took)
	if dropped > 0 {
		msg += fmt.Sprintf(", %d left out by the bounds", dropped)
	}
	if l.old != nil {
		msg += "; added to the model"
	}
	fmt.Fprintf(os.Stderr, "%s; model written to %s\n", msg, report.Escape(l.path))
	return nil
}
