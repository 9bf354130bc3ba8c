package ensemble

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"detector/algo"
	"detector/callset"
	"detector/ngram"
	"detector/seq"
	"detector/stide"
)

// Members are the models an ensemble may combine, in the order they are
// stored and combined.
var Members = []string{"ngram", "callset", "stide"}

// Model is a fitted ensemble as a model file keeps it: each member by its
// own package's encoding (nil when not a member), the members' z
// calibrations in the order of Members, and the ensemble's calibration.
// It implements seq.Model.
type Model struct {
	NGram   *ngram.Model
	Callset *callset.Model
	Stide   *stide.Model
	Z       []seq.Calibration
	Cal     seq.Calibration

	e *Ensemble
}

func (m *Model) members() []seq.Scorer {
	var out []seq.Scorer
	if m.NGram != nil {
		out = append(out, m.NGram)
	}
	if m.Callset != nil {
		out = append(out, m.Callset)
	}
	if m.Stide != nil {
		out = append(out, m.Stide)
	}
	return out
}

// Validate checks a decoded ensemble: at least one member, each valid, one
// calibration per member.
func (m *Model) Validate() error {
	for _, v := range []interface{ Validate() error }{m.NGram, m.Callset, m.Stide} {
		if v == nil || isNil(v) {
			continue
		}
		if err := v.Validate(); err != nil {
			return err
		}
	}
	e, err := New(m.members(), m.Z, m.Cal)
	if err != nil {
		return err
	}
	m.e = e
	return nil
}

func isNil(v any) bool {
	switch x := v.(type) {
	case *ngram.Model:
		return x == nil
	case *callset.Model:
		return x == nil
	case *stide.Model:
		return x == nil
	}
	return false
}

// Decision is the ensemble's calibrated decision of an encoded sequence.
func (m *Model) Decision(s []int32) float64 {
	if m.e == nil {
		if err := m.Validate(); err != nil {
			return m.Cal.Decision(nanStat)
		}
	}
	return m.e.Cal.Decision(m.e.Statistic(s))
}

var nanStat = func() float64 { var z float64; return z / z }()

// Spec registers the ensemble with detector's algorithm registry as
// "ensemble": the mean of its members' z-normalized statistics, each
// member's mean and spread taken from out-of-fold statistics on the
// training sequences.
var Spec = algo.Spec{
	Name:      "ensemble",
	Title:     "sequence-model ensemble",
	Sequences: true,
	Params: append([]algo.Param{
		{Name: "members", Default: "ngram,callset", Usage: "comma-separated members: ngram, callset, stide"},
		{Name: "order", Default: "6", Usage: "n-gram order N for ngram (default 10), window length for stide (default 8)"},
		{Name: "method", Default: "kn", Usage: "smoothing: kn (interpolated Kneser-Ney) or ad (interpolated absolute discounting)"},
		{Name: "surprisal", Default: "3", Usage: "a call is surprising when -ln p exceeds this many nats; the score is the share of surprising calls"},
		{Name: "k", Default: "1", Usage: "nearest training call sets averaged (cosine distance)"},
	}, seq.CalibrationParams...),
	Check: func(a algo.Args) error { _, _, err := fitters(a, 0); return err },
	Fit: func(s algo.Samples, a algo.Args, _ algo.FitOptions) (algo.Detector, error) {
		if _, _, err := fitters(a, 0); err != nil {
			return nil, err
		}
		cont, folds, seed, err := seq.CalibrationArgs(a)
		if err != nil {
			return nil, err
		}
		set := map[string]string{"members": a["members"], "contamination": strconv.FormatFloat(cont, 'g', -1, 64),
			"folds": strconv.Itoa(folds), "seed": strconv.FormatUint(seed, 10)}
		return seq.FitDetector(s, func(train [][]int32, v int) (*Model, error) {
			fits, names, err := fitters(a, v)
			if err != nil {
				return nil, err
			}
			e, err := Fit(fits, train, cont, folds, seed)
			if err != nil {
				return nil, err
			}
			// Each member keeps its own out-of-fold calibration, so that
			// it is a valid model of its package on its own too.
			m := &Model{Z: e.Z, Cal: e.Cal, e: e}
			for i, name := range names {
				switch x := e.Members[i].(type) {
				case *ngram.Model:
					x.Cal, m.NGram = e.Z[i], x
				case *callset.Model:
					x.Cal, m.Callset = e.Z[i], x
				case *stide.Model:
					x.Cal, m.Stide = e.Z[i], x
				default:
					return nil, fmt.Errorf("ensemble member %s of an unexpected type", name)
				}
			}
			return m, nil
		}, set)
	},
	New: func() algo.Detector { return new(seq.Detector[*Model]) },
}

// fitters returns the uncalibrated fits of the --members, in the order of
// Members, over a vocabulary of v tokens.
func fitters(a algo.Args, v int) ([]seq.Fitter, []string, error) {
	want := strings.Split(a["members"], ",")
	for _, w := range want {
		if !slices.Contains(Members, strings.TrimSpace(w)) {
			return nil, nil, fmt.Errorf("--members: %q is not one of %s", w, strings.Join(Members, ", "))
		}
	}
	order, err := a.Int("order", 1)
	if err != nil {
		return nil, nil, err
	}
	k, err := a.Int("k", 1)
	if err != nil {
		return nil, nil, err
	}
	th, err := a.Float("surprisal", 0, 1000)
	if err != nil {
		return nil, nil, err
	}
	ng := ngram.DefaultConfig()
	ng.Order, ng.Threshold = order, th
	switch a["method"] {
	case "kn":
	case "ad":
		ng.Method = ngram.AbsoluteDiscounting
	default:
		return nil, nil, fmt.Errorf("--method must be kn or ad, not %q", a["method"])
	}
	cs := callset.DefaultConfig()
	cs.K = k
	st := stide.DefaultConfig()
	st.N = order
	var fits []seq.Fitter
	var names []string
	for _, name := range Members {
		if !slices.ContainsFunc(want, func(w string) bool { return strings.TrimSpace(w) == name }) {
			continue
		}
		names = append(names, name)
		switch name {
		case "ngram":
			fits = append(fits, func(tr [][]int32) (seq.Scorer, error) { return ngram.FitCounts(tr, v, ng) })
		case "callset":
			fits = append(fits, func(tr [][]int32) (seq.Scorer, error) { return callset.FitSets(tr, v, cs) })
		case "stide":
			fits = append(fits, func(tr [][]int32) (seq.Scorer, error) { return stide.FitWindows(tr, v, st) })
		}
	}
	if len(fits) == 0 {
		return nil, nil, errors.New("--members names no model")
	}
	return fits, names, nil
}

// Evidence is the window of the first member that can point at one
// (seq.Windower).
func (m *Model) Evidence(s []int32, v *seq.Vocabulary) (int, int, string) {
	for _, x := range m.members() {
		if w, ok := x.(seq.Windower); ok {
			return w.Evidence(s, v)
		}
	}
	return 0, len(s), ""
}
