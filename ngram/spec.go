package ngram

import (
	"fmt"
	"strconv"

	"detector/algo"
	"detector/seq"
)

// Spec registers the n-gram language model with detector's algorithm
// registry as "ngram": a seq.Detector over this package's Model, its
// vocabulary kept in the model file with it.
var Spec = seq.NewSpec("ngram", "n-gram language model", []algo.Param{
	{Name: "order", Default: "10", Usage: "n-gram order N for ngram (default 10), window length for stide (default 8)"},
	{Name: "method", Default: "kn", Usage: "smoothing: kn (interpolated Kneser-Ney) or ad (interpolated absolute discounting)"},
	{Name: "surprisal", Default: "3", Usage: "a call is surprising when -ln p exceeds this many nats; the score is the share of surprising calls"},
}, config, Fit, settings)

// config reads the training parameters.
func config(a algo.Args) (Config, error) {
	cfg := DefaultConfig()
	var err error
	if cfg.Order, err = a.Int("order", 1); err != nil {
		return cfg, err
	}
	if cfg.Order > MaxOrder {
		return cfg, fmt.Errorf("--order must be at most %d, not %d", MaxOrder, cfg.Order)
	}
	switch a["method"] {
	case "kn":
		cfg.Method = KneserNey
	case "ad":
		cfg.Method = AbsoluteDiscounting
	default:
		return cfg, fmt.Errorf("--method must be kn or ad, not %q", a["method"])
	}
	if cfg.Threshold, err = a.Float("surprisal", 0, 1000); err != nil {
		return cfg, err
	}
	if cfg.Contamination, cfg.Folds, cfg.Seed, err = seq.CalibrationArgs(a); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func settings(cfg Config) map[string]string {
	s := seq.CalibrationSettings(cfg.Contamination, cfg.Folds, cfg.Seed)
	s["order"] = strconv.Itoa(cfg.Order)
	s["method"] = map[Method]string{KneserNey: "kn", AbsoluteDiscounting: "ad"}[cfg.Method]
	s["surprisal"] = strconv.FormatFloat(cfg.Threshold, 'g', -1, 64)
	return s
}

// Evidence is the model's most surprising window of calls (seq.Windower).
func (m *Model) Evidence(s []int32, _ *seq.Vocabulary) (int, int, string) {
	w := m.MostSurprising(s)
	return w.Start, w.Length, fmt.Sprintf("the %d most surprising consecutive calls, mean surprisal %.2f nats", w.Length, w.Mean)
}
