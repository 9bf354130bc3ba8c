package stide

import (
	"fmt"
	"strconv"

	"detector/algo"
	"detector/seq"
)

// Spec registers STIDE with detector's algorithm registry as "stide": a
// seq.Detector over this package's Model.
var Spec = seq.NewSpec("stide", "STIDE (sequence time-delay embedding)",
	[]algo.Param{{Name: "order", Default: "8", Usage: "n-gram order N for ngram (default 10), window length for stide (default 8)"}},
	config, Fit, func(cfg Config) map[string]string {
		s := seq.CalibrationSettings(cfg.Contamination, cfg.Folds, cfg.Seed)
		s["order"] = strconv.Itoa(cfg.N)
		return s
	})

// config reads the training parameters.
func config(a algo.Args) (Config, error) {
	cfg := DefaultConfig()
	var err error
	if cfg.N, err = a.Int("order", 1); err != nil {
		return cfg, err
	}
	if cfg.N > MaxN {
		return cfg, fmt.Errorf("--order must be at most %d, not %d", MaxN, cfg.N)
	}
	cfg.Contamination, cfg.Folds, cfg.Seed, err = seq.CalibrationArgs(a)
	return cfg, err
}

// Evidence is the first window of calls never seen in training
// (seq.Windower).
func (m *Model) Evidence(s []int32, _ *seq.Vocabulary) (int, int, string) {
	miss := m.Mismatches(s)
	n := 0
	for _, b := range miss {
		if b {
			n++
		}
	}
	for i, b := range miss {
		if b {
			start := max(0, i-m.N+1)
			return start, i + 1 - start, fmt.Sprintf("the first of %d windows of %d calls never seen in training", n, m.N)
		}
	}
	return 0, 0, "every window was seen in training"
}
