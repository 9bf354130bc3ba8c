// Package ensemble combines sequence models (see package seq) by the mean
// of their z-normalized statistics.
//
// Each member j is fitted on all training sequences; its mean m_j and
// spread s_j (population standard deviation) come from its out-of-fold
// statistics on the training sequences, every member using the same seeded
// fold split (seq.Folds). The ensemble's statistic of a sequence is
//
//	z(x) = (1/J) sum_j (stat_j(x) - m_j) / s_j
//
// higher meaning more anomalous, and its decision function is Offset - z
// with the offset the (1-contamination) quantile of the training
// sequences' out-of-fold z (seq.Calibrate), so the threshold is set by
// sequences each model did not see. A member statistic of +Inf (a sequence
// a member cannot score) makes z +Inf: never normal.
package ensemble

import (
	"fmt"
	"math"

	"detector/seq"
)

// Ensemble is a fitted ensemble. Members are stored by their own packages'
// encodings; New reassembles one from decoded parts.
type Ensemble struct {
	Members []seq.Scorer
	Z       []seq.Calibration // per member: Mean and Std of its out-of-fold statistics
	Cal     seq.Calibration   // of the ensemble statistic
}

// Fit fits every member on train, computes their out-of-fold statistics
// with folds folds split by seed, and calibrates the ensemble.
func Fit(fits []seq.Fitter, train [][]int32, contamination float64, folds int, seed uint64) (*Ensemble, error) {
	if len(fits) == 0 {
		return nil, fmt.Errorf("fit ensemble: no members")
	}
	e := &Ensemble{}
	oofs := make([][]float64, len(fits))
	for j, fit := range fits {
		m, err := fit(train)
		if err != nil {
			return nil, fmt.Errorf("fit ensemble: member %d: %w", j, err)
		}
		oof, err := seq.OutOfFold(fit, train, folds, seed)
		if err != nil {
			return nil, fmt.Errorf("fit ensemble: member %d: %w", j, err)
		}
		cal, err := seq.Calibrate(oof, contamination, folds, seed)
		if err != nil {
			return nil, fmt.Errorf("fit ensemble: member %d: %w", j, err)
		}
		e.Members = append(e.Members, m)
		e.Z = append(e.Z, cal)
		oofs[j] = oof
	}
	z := make([]float64, len(train))
	stats := make([]float64, len(fits))
	for i := range train {
		for j := range fits {
			stats[j] = oofs[j][i]
		}
		z[i] = Combine(stats, e.Z)
	}
	var err error
	if e.Cal, err = seq.Calibrate(z, contamination, folds, seed); err != nil {
		return nil, fmt.Errorf("fit ensemble: %w", err)
	}
	return e, nil
}

// New reassembles a decoded ensemble and validates it: as many
// calibrations as members, all valid.
func New(members []seq.Scorer, z []seq.Calibration, cal seq.Calibration) (*Ensemble, error) {
	if len(members) == 0 || len(members) != len(z) {
		return nil, fmt.Errorf("ensemble: %d members and %d calibrations", len(members), len(z))
	}
	for j, c := range z {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("ensemble: member %d: %w", j, err)
		}
	}
	if err := cal.Validate(); err != nil {
		return nil, fmt.Errorf("ensemble: %w", err)
	}
	return &Ensemble{Members: members, Z: z, Cal: cal}, nil
}

// Combine returns the mean over members of cals[j].Z(stats[j]).
func Combine(stats []float64, cals []seq.Calibration) float64 {
	var sum float64
	for j, s := range stats {
		sum += cals[j].Z(s)
	}
	if math.IsNaN(sum) {
		return math.Inf(1)
	}
	return sum / float64(len(stats))
}

// Statistic returns the ensemble statistic z of s.
func (e *Ensemble) Statistic(s []int32) float64 {
	stats := make([]float64, len(e.Members))
	for j, m := range e.Members {
		stats[j] = m.Statistic(s)
	}
	return Combine(stats, e.Z)
}

// MemberZ returns each member's z of s, for evidence.
func (e *Ensemble) MemberZ(s []int32) []float64 {
	out := make([]float64, len(e.Members))
	for j, m := range e.Members {
		out[j] = e.Z[j].Z(m.Statistic(s))
	}
	return out
}

// Decision returns Cal.Offset - Statistic(s): above 0 normal.
func (e *Ensemble) Decision(s []int32) float64 { return e.Cal.Decision(e.Statistic(s)) }
