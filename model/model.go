// Package model is a trained detector as it is kept between runs: the
// feature names, the scaler, the fitted Local Outlier Factor or One-Class
// SVM, and the distribution of the training samples' own scores.
//
// A model file is the magic line "detector model\n", then two gob values
// (a header with the format version and the model's declared shape, then
// the model with its arrays as flat little-endian float64 bytes), then the
// SHA-256 of everything before it. Save writes it atomically; Load refuses
// any file that is truncated, corrupt, of another format version,
// inconsistent in shape or holding a number Train could not have produced
// (see Validate), and says which. Loading checks the declared shape before
// decoding the bulk, so its memory is a small multiple of the file's size.
//
// Scores follow scikit-learn's decision_function convention: above 0 is
// normal, below 0 anomalous.
package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"detector/features"
	"detector/lof"
	"detector/ocsvm"
)

// FormatVersion is the version of the model file format this build reads
// and writes. It changes whenever the stored fields change meaning.
// Format 1 stored the Model itself; format 2 declares the shape in the
// header and stores arrays flat.
const FormatVersion = 2

// The algorithms a model can hold.
const (
	LOF   = "lof"
	OCSVM = "ocsvm"
)

// Model is a trained detector. Exactly one of LOF and OCSVM is set,
// according to Algorithm.
type Model struct {
	FeatureNames []string
	Scaler       features.Scaler
	Algorithm    string
	LOF          *lof.Model
	OCSVM        *ocsvm.Model

	// TrainScores are the decision scores of the training samples,
	// sorted ascending; confidences are computed from them.
	TrainScores []float64
	// Samples is the number of training samples.
	Samples int
	// Input says what the training samples were (exec, strace, adfa, csv).
	Input       string
	ToolVersion string
	Created     time.Time
}

// Result is the verdict on one feature vector.
type Result struct {
	// Err is set when the vector cannot be judged: a standardized value or
	// the score is not a finite number (a value too far outside the
	// training range). Score and Anomalous are then meaningless: such a
	// vector is never normal.
	Err        error
	Score      float64 // decision function: > 0 normal, < 0 anomalous
	Anomalous  bool    // Score < 0
	Confidence float64 // in [0, 1]; see Confidence
	// Deviations holds every feature's standardized distance from the
	// training mean, largest magnitude first.
	Deviations []Deviation
}

// Deviation is a feature's distance from the training mean in training
// standard deviations (the scaler's units).
type Deviation struct {
	Feature string
	Z       float64
}

// Train fits a model of the given algorithm on rows (raw, unstandardized
// feature vectors named by names).
func Train(names []string, rows [][]float64, p Params) (*Model, error) {
	if len(rows) == 0 {
		return nil, errors.New("no training samples")
	}
	for i, r := range rows {
		if len(r) != len(names) {
			return nil, fmt.Errorf("training sample %d has %d features, want %d", i, len(r), len(names))
		}
	}
	sc, err := features.FitScaler(rows)
	if err != nil {
		return nil, err
	}
	z := sc.TransformAll(rows)
	m := &Model{
		FeatureNames: slices.Clone(names),
		Scaler:       *sc,
		Algorithm:    p.Algorithm,
		Samples:      len(rows),
		Input:        p.Input,
		ToolVersion:  p.ToolVersion,
		Created:      p.Now.UTC().Truncate(time.Second),
	}
	switch p.Algorithm {
	case LOF:
		if m.LOF, err = lof.Fit(z, p.Neighbors, p.Contamination); err != nil {
			return nil, fmt.Errorf("fit local outlier factor: %w", err)
		}
		m.TrainScores = m.LOF.TrainingDecision()
	case OCSVM:
		gamma, err := resolveGamma(p.Gamma, z)
		if err != nil {
			return nil, err
		}
		if m.OCSVM, err = ocsvm.Fit(z, p.Nu, gamma); err != nil {
			return nil, fmt.Errorf("fit one-class svm: %w", err)
		}
		m.TrainScores = m.OCSVM.TrainingDecision()
	default:
		return nil, fmt.Errorf("unknown algorithm %q (want lof or ocsvm)", p.Algorithm)
	}
	m.TrainScores = slices.Clone(m.TrainScores)
	slices.Sort(m.TrainScores)
	// A model that Load would refuse is not written at all.
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("the fitted model is unusable: %w", err)
	}
	return m, nil
}

// Params are the training parameters.
type Params struct {
	Algorithm     string
	Neighbors     int     // LOF: k, already capped at n-1
	Contamination float64 // LOF: 0 for "auto"
	Nu            float64 // OCSVM
	Gamma         string  // OCSVM: "scale", "auto" or a positive number
	Input         string
	ToolVersion   string
	Now           time.Time
}

// Dim is the number of features the model expects.
func (m *Model) Dim() int { return len(m.FeatureNames) }

// Parameters describes the fitted algorithm's parameters, for people.
func (m *Model) Parameters() map[string]string {
	switch {
	case m.LOF != nil:
		return m.LOF.Params()
	case m.OCSVM != nil:
		return m.OCSVM.Params()
	}
	return nil
}

// Score judges raw feature vectors, each of Dim features. Scoring runs on
// all cores; results are in the order of rows. A vector whose
// standardized values or score are not finite numbers gets a Result with
// Err set.
func (m *Model) Score(rows [][]float64) []Result {
	z := m.Scaler.TransformAll(rows)
	var scores []float64
	if m.LOF != nil {
		scores = m.LOF.DecisionAll(z)
	} else {
		scores = m.OCSVM.DecisionAll(z)
	}
	out := make([]Result, len(rows))
	for i, s := range scores {
		if err := m.unscorable(rows[i], z[i], s); err != nil {
			out[i] = Result{Err: err, Score: math.NaN()}
			continue
		}
		out[i] = Result{
			Score:      s,
			Anomalous:  s < 0,
			Confidence: m.Confidence(s),
			Deviations: m.deviations(z[i]),
		}
	}
	return out
}

// unscorable says why a raw vector x, standardized to z, with score s
// cannot be judged, or returns nil.
func (m *Model) unscorable(x, z []float64, s float64) error {
	if len(x) != m.Dim() {
		return fmt.Errorf("%d features, want %d", len(x), m.Dim())
	}
	for j, v := range z {
		if !finite(v) {
			return fmt.Errorf("feature %s = %v is too far outside the training range to score (%v standard deviations)",
				m.FeatureNames[j], x[j], v)
		}
	}
	if !finite(s) {
		return fmt.Errorf("the score is %v, not a number that can be judged", s)
	}
	if c := m.Confidence(s); !finite(c) {
		return fmt.Errorf("the confidence is %v, not a number", c)
	}
	return nil
}

func (m *Model) deviations(z []float64) []Deviation {
	d := make([]Deviation, len(z))
	for j, v := range z {
		d[j] = Deviation{Feature: m.FeatureNames[j], Z: v}
	}
	// Stable, so that ties keep the features' own order.
	sort.SliceStable(d, func(a, b int) bool { return math.Abs(d[a].Z) > math.Abs(d[b].Z) })
	return d
}

// Confidence maps a score to [0, 1]: 0 on the decision boundary, growing
// with the score's distance from it on either side:
//
//	confidence = 1 - exp(-3 |score| / m)
//
// where m, the margin, is the median score of the training samples that
// the model places inside (score > 0). A sample as far inside as the
// median training sample is 0.95 confident normal; an anomaly as far
// outside as that is 0.95 confident anomalous.
func (m *Model) Confidence(score float64) float64 {
	if math.IsNaN(score) {
		return 0
	}
	return 1 - math.Exp(-3*math.Abs(score)/m.Margin())
}

// Margin is the scale of Confidence: the median of the positive training
// scores; failing that the median absolute training score; failing that 1.
func (m *Model) Margin() float64 {
	i, _ := slices.BinarySearch(m.TrainScores, math.SmallestNonzeroFloat64)
	if pos := m.TrainScores[i:]; len(pos) > 0 {
		if med := median(pos); med > 0 {
			return med
		}
	}
	abs := make([]float64, len(m.TrainScores))
	for i, s := range m.TrainScores {
		abs[i] = math.Abs(s)
	}
	slices.Sort(abs)
	if med := median(abs); med > 0 {
		return med
	}
	return 1
}

// median of sorted values; 0 for none.
func median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// ParseGamma checks an RBF kernel width: "scale", "auto" or a positive
// number. It returns the number, or 0 for the two named rules.
func ParseGamma(s string) (float64, error) {
	if s == "scale" || s == "auto" {
		return 0, nil
	}
	g, err := strconv.ParseFloat(s, 64)
	if err != nil || !(g >= ocsvm.MinGamma && g <= ocsvm.MaxGamma) {
		return 0, fmt.Errorf("%q is not scale, auto or a number in [%g, %g]", s, ocsvm.MinGamma, ocsvm.MaxGamma)
	}
	return g, nil
}

// resolveGamma turns a gamma rule into its value on the standardized
// training matrix z, as scikit-learn does: scale is 1 / (features *
// variance of all of z's entries), auto is 1 / features.
func resolveGamma(spec string, z [][]float64) (float64, error) {
	g, err := ParseGamma(spec)
	switch {
	case err != nil:
		return 0, err
	case spec == "scale":
		return ocsvm.GammaScale(z), nil
	case spec == "auto":
		return ocsvm.GammaAuto(len(z[0])), nil
	}
	return g, nil
}
