package callset

import (
	"fmt"
	"strconv"
	"strings"

	"detector/algo"
	"detector/seq"
)

// Spec registers the call-set model with detector's algorithm registry as
// "callset": a seq.Detector over this package's Model.
var Spec = seq.NewSpec("callset", "call-set nearest neighbours",
	[]algo.Param{{Name: "k", Default: "1", Usage: "nearest training call sets averaged (cosine distance)"}},
	config, Fit, func(cfg Config) map[string]string {
		s := seq.CalibrationSettings(cfg.Contamination, cfg.Folds, cfg.Seed)
		s["k"] = strconv.Itoa(cfg.K)
		return s
	})

// config reads the training parameters.
func config(a algo.Args) (Config, error) {
	cfg := DefaultConfig()
	var err error
	if cfg.K, err = a.Int("k", 1); err != nil {
		return cfg, err
	}
	if cfg.K > MaxK {
		return cfg, fmt.Errorf("--k must be at most %d, not %d", MaxK, cfg.K)
	}
	cfg.Contamination, cfg.Folds, cfg.Seed, err = seq.CalibrationArgs(a)
	return cfg, err
}

// Evidence names the calls that the nearest training trace never makes
// (seq.Windower); the window is the first of them.
func (m *Model) Evidence(s []int32, v *seq.Vocabulary) (int, int, string) {
	unseen := m.Unseen(s)
	if len(unseen) == 0 {
		return 0, 0, "the nearest training trace makes every call it makes"
	}
	names := make([]string, 0, len(unseen))
	for _, t := range unseen[:min(len(unseen), 8)] {
		names = append(names, v.Name(t))
	}
	start := 0
	for i, t := range s {
		if t == unseen[0] {
			start = i
			break
		}
	}
	more := ""
	if len(unseen) > 8 {
		more = fmt.Sprintf(" and %d more", len(unseen)-8)
	}
	return start, 1, fmt.Sprintf("calls the nearest training trace never makes: %s%s", strings.Join(names, ", "), more)
}
