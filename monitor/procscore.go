package monitor

import (
	"context"
	"time"

	"detector/model"
	"detector/procmetrics"
	"detector/rules"
)

// ProcScorer scores every live process against a model of the process
// metrics (train --input proc) at each poll, and logs the anomalous ones
// as "model" records (with the log's cooldown, by executable). It sees no
// system calls, and its records say so.
type ProcScorer struct {
	cfg   Config
	model *model.Model
	s     *procmetrics.Sampler
}

// NewProcScorer returns a scorer with the process-metrics model m; the
// rule set, when there is one, gives the lists the metrics use.
func NewProcScorer(cfg Config, m *model.Model) (*ProcScorer, error) {
	lists := procmetrics.Lists{}
	if cfg.Rules != nil {
		lists = procmetrics.Lists{Shells: cfg.Rules.List("shells"), Servers: cfg.Rules.List("server_names")}
	}
	s, err := procmetrics.NewSampler("", lists)
	if err != nil {
		return nil, err
	}
	return &ProcScorer{cfg: cfg, model: m, s: s}, nil
}

// Poll samples the process table and scores what it can.
func (p *ProcScorer) Poll() error {
	rows, err := p.s.Poll()
	if err != nil || len(rows) == 0 {
		return err
	}
	vals := make([][]float64, len(rows))
	for i, r := range rows {
		vals[i] = r.Values
	}
	for i, res := range p.cfg.scoreTimed(p.model, vals, nil) {
		r := rows[i]
		a, ok := modelAlert(res, p.model, &rules.Process{PID: r.PID, PPID: r.PPID, Exe: r.Exe, Argv: r.Argv}, "proc", false)
		if !ok {
			continue
		}
		if err := p.cfg.Log.Alert(a); err != nil {
			return err
		}
	}
	return nil
}

// Run polls every interval until ctx is done.
func (p *ProcScorer) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := p.Poll(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
