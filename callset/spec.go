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
var Spec = algo.Spec{
	Name:      "callset",
	Title:     "call-set nearest neighbours",
	Sequences: true,
	Params: append([]algo.Param{
		{Name: "k", Default: "1", Usage: "nearest training call sets averaged (cosine distance)"},
	}, seq.CalibrationParams...),
	Check: func(a algo.Args) error { _, err := config(a); return err },
	Fit: func(s algo.Samples, a algo.Args, _ algo.FitOptions) (algo.Detector, error) {
		cfg, err := config(a)
		if err != nil {
			return nil, err
		}
		return seq.FitDetector(s, func(train [][]int32, v int) (*Model, error) { return Fit(train, v, cfg) }, map[string]string{
			"k": strconv.Itoa(cfg.K), "contamination": strconv.FormatFloat(cfg.Contamination, 'g', -1, 64),
			"folds": strconv.Itoa(cfg.Folds), "seed": strconv.FormatUint(cfg.Seed, 10),
		})
	},
	New: func() algo.Detector { return new(seq.Detector[*Model]) },
}

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
