package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"detector/algo"
	"detector/features"
)

// ErrNotMergeable is wrapped by Merge's refusal of models whose detector
// does not merge (every algorithm but profile) or that differ in kind.
var ErrNotMergeable = errors.New("models cannot be merged")

// Merge returns the model fitted, as far as its detector allows, on the
// training samples of a and b together: the detectors merged
// (algo.Merger), the scalers pooled (the mean and population standard
// deviation of both sets of rows), the training scores the merged
// detector's. Both must be of the same algorithm, features and trace
// recording, and both learned on hosts (Origin) or neither; now is the
// merged model's creation time.
func Merge(a, b *Model, now time.Time) (*Model, error) {
	if a.Algorithm != b.Algorithm {
		return nil, fmt.Errorf("%w: one is %s, the other %s", ErrNotMergeable, a.Algorithm, b.Algorithm)
	}
	mg, ok := a.det.(algo.Merger)
	if !ok {
		return nil, fmt.Errorf("%w: %s models do not merge (profile models do)", ErrNotMergeable, a.Algorithm)
	}
	if !slices.Equal(a.FeatureNames, b.FeatureNames) {
		return nil, fmt.Errorf("%w: features %v and %v differ", ErrNotMergeable, a.FeatureNames, b.FeatureNames)
	}
	if a.TraceOptions != b.TraceOptions {
		return nil, fmt.Errorf("%w: traces recorded with %q and %q", ErrNotMergeable, a.TraceOptions, b.TraceOptions)
	}
	if a.Samples+b.Samples > MaxSamples {
		return nil, fmt.Errorf("%w: %d training samples, at most %d", ErrNotMergeable, a.Samples+b.Samples, MaxSamples)
	}
	origin, err := mergeOrigins(a.Origin, b.Origin)
	if err != nil {
		return nil, err
	}
	det, err := mg.Merge(b.det)
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", a.Spec().Title, err)
	}
	state, err := algo.Encode(det)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", a.Spec().Title, err)
	}
	input := a.Input
	if b.Input != a.Input {
		input = a.Input + "," + b.Input
	}
	m := &Model{
		FeatureNames: slices.Clone(a.FeatureNames),
		Scaler:       pool(a.Scaler, a.Samples, b.Scaler, b.Samples),
		Algorithm:    a.Algorithm,
		Detector:     state,
		TrainScores:  det.TrainingDecision(),
		Samples:      a.Samples + b.Samples,
		Input:        input,
		TraceOptions: a.TraceOptions,
		ToolVersion:  a.ToolVersion,
		Created:      now.UTC().Truncate(time.Second),
		Origin:       origin,
		det:          det,
	}
	slices.Sort(m.TrainScores)
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("the merged model is unusable: %w", err)
	}
	return m, nil
}

// pool combines the scalers of na and nb rows into the scaler of all of
// them. A constant column keeps scale 1, as FitScaler leaves it.
func pool(a features.Scaler, na int, b features.Scaler, nb int) features.Scaler {
	d := len(a.Mean)
	out := features.Scaler{Mean: make([]float64, d), Scale: make([]float64, d)}
	fa, fb := float64(na)/float64(na+nb), float64(nb)/float64(na+nb)
	for j := range d {
		ma, mb := a.Mean[j], b.Mean[j]
		va, vb := variance(a.Scale[j]), variance(b.Scale[j])
		mean := fa*ma + fb*mb
		v := fa*(va+(ma-mean)*(ma-mean)) + fb*(vb+(mb-mean)*(mb-mean))
		out.Mean[j] = mean
		s := math.Sqrt(v)
		if !(s >= MinScale && s <= MaxScale && s > math.Abs(mean)*epsilon*float64(na+nb)) {
			s = 1
		}
		out.Scale[j] = s
	}
	return out
}

// variance is the variance behind a scale; 1 (a constant column) is 0.
func variance(scale float64) float64 {
	if scale == 1 {
		return 0
	}
	return scale * scale
}
