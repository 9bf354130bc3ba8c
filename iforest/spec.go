package iforest

import (
	"fmt"
	"strconv"

	"detector/algo"
)

// Spec registers the Isolation Forest with detector's algorithm registry
// as "iforest".
var Spec = algo.Spec{
	Name:  "iforest",
	Title: "Isolation Forest",
	Params: []algo.Param{
		{Name: "trees", Default: strconv.Itoa(DefaultTrees), Usage: "trees in the forest"},
		{Name: "max-samples", Default: "auto", Usage: "rows each tree is grown on: auto (min(256, samples)), a count N or a fraction F in (0, 1]"},
		{Name: "contamination", Default: "auto", Usage: "expected share of outliers in training, auto or a number in (0, 0.5]"},
		{Name: "seed", Default: "0", Usage: "random seed; the same samples and seed give the same model"},
	},
	Check: func(a algo.Args) error { _, err := params(a); return err },
	Fit: func(s algo.Samples, a algo.Args, o algo.FitOptions) (algo.Detector, error) {
		p, err := params(a)
		if err != nil {
			return nil, err
		}
		if _, capped, err := p.MaxSamples.Resolve(s.Len()); err != nil {
			return nil, err
		} else if capped && o.Warn != nil {
			o.Warn("--max-samples %s capped at %d (training samples)", p.MaxSamples, s.Len())
		}
		p.Jobs = o.Jobs
		return Fit(s.Rows, p)
	},
	New: func() algo.Detector { return new(Model) },
}

// params reads the training parameters.
func params(a algo.Args) (Params, error) {
	p := DefaultParams()
	var err error
	if p.Trees, err = a.Int("trees", 1); err != nil {
		return p, err
	}
	if p.Trees > maxTrees {
		return p, fmt.Errorf("--trees must be at most %d, not %d", maxTrees, p.Trees)
	}
	if p.MaxSamples, err = ParseMaxSamples(a["max-samples"]); err != nil {
		return p, fmt.Errorf("--max-samples: %w", err)
	}
	if p.Contamination, err = a.Contamination(); err != nil {
		return p, err
	}
	seed, err := strconv.ParseUint(a["seed"], 10, 64)
	if err != nil {
		return p, fmt.Errorf("--seed must be a whole number of at least 0, not %q", a["seed"])
	}
	p.Seed = seed
	return p, nil
}

// Score returns DecisionAll of the samples' rows.
func (m *Model) Score(s algo.Samples) []float64 { return m.DecisionAll(s.Rows) }
