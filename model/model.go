// Package model is a trained detector as it is kept between runs: the
// feature names, the scaler, the fitted detector (any algorithm of the algo
// registry, kept as its own encoding), and the distribution of the training
// samples' own scores.
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
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"detector/algo"
	"detector/features"
	"detector/observe"
)

// FormatVersion is the version of the model file format this build reads
// and writes. It changes whenever the stored fields change meaning.
// Format 1 stored the Model itself; format 2 declares the shape in the
// header and stores arrays flat.
const FormatVersion = 2

// Model is a trained detector: the featurizer's fitted state (the feature
// names and the scaler), the detector named by Algorithm with its state as
// its registry Spec encodes it, and what the training saw.
type Model struct {
	FeatureNames []string
	Scaler       features.Scaler
	// Algorithm is the detector's registry name (see package algo).
	Algorithm string
	// Detector is the fitted detector's state, as algo.Encode wrote it.
	Detector []byte

	// TrainScores are the decision scores of the training samples,
	// sorted ascending; confidences are computed from them.
	TrainScores []float64
	// Samples is the number of training samples.
	Samples int
	// Input says what the training samples were (exec, strace, adfa, csv).
	Input string
	// TraceOptions are the strace options of the training runs when
	// samples were executed (trace.TraceOptions), "" when none was.
	TraceOptions string
	ToolVersion  string
	Created      time.Time
	// Diagnostics describe the training set; nil when Train was not told
	// the samples' names (Params.Samples).
	Diagnostics *Diagnostics
	// Origin is set for a model learned on a live host (monitor --learn),
	// nil for one trained on samples.
	Origin *Origin

	det algo.Detector // decoded Detector
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
	// Explanation, from detectors that give one, points at the part of
	// the sample that scores worst (a process and a window of its calls).
	Explanation *algo.Explanation
	// Findings, from detectors that give them (algo.Finder), are the
	// sample's deviations from what training taught, most severe first.
	Findings []algo.Finding
}

// Deviation is a feature's distance from the training mean in training
// standard deviations (the scaler's units).
type Deviation struct {
	Feature string
	Z       float64
}

// Train fits a model with the detector of spec on rows (raw,
// unstandardized feature vectors named by names).
//
// seqs, for a detector whose Spec asks for Sequences, are the samples'
// per-process call-name sequences, in the order of rows; nil otherwise.
func Train(names []string, rows [][]float64, seqs [][][]string, spec algo.Spec, args algo.Args, p Params) (*Model, error) {
	if len(rows) < 2 {
		return nil, fmt.Errorf("training needs at least 2 samples, got %d", len(rows))
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
	if spec.Sequences && len(seqs) != len(rows) {
		return nil, fmt.Errorf("%s needs the samples' call sequences: train it on executables, strace logs or ADFA-LD traces, not feature tables", spec.Title)
	}
	if spec.Behaviour && len(p.Behaviour) != len(rows) {
		return nil, fmt.Errorf("%s needs what the samples' programs did: train it on executables, command lines or strace logs, not feature tables", spec.Title)
	}
	det, err := spec.Fit(algo.Samples{Rows: sc.TransformAll(rows), Seqs: seqs, Behaviour: p.Behaviour}, args, p.Fit)
	if err != nil {
		return nil, fmt.Errorf("fit %s: %w", spec.Title, err)
	}
	state, err := algo.Encode(det)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", spec.Title, err)
	}
	scores := det.TrainingDecision()
	m := &Model{
		FeatureNames: slices.Clone(names),
		Scaler:       *sc,
		Algorithm:    spec.Name,
		Detector:     state,
		TrainScores:  slices.Clone(scores),
		Samples:      len(rows),
		Input:        p.Input,
		TraceOptions: p.TraceOptions,
		ToolVersion:  p.ToolVersion,
		Created:      p.Now.UTC().Truncate(time.Second),
		det:          det,
	}
	slices.Sort(m.TrainScores)
	if len(p.Samples) == len(rows) {
		m.Diagnostics = diagnose(rows, scores, p.Samples)
	}
	// A model that Load would refuse is not written at all.
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("the fitted model is unusable: %w", err)
	}
	return m, nil
}

// Params are what a training records besides the detector's own
// parameters.
type Params struct {
	Input        string
	TraceOptions string
	ToolVersion  string
	Now          time.Time
	Fit          algo.FitOptions
	// Samples, when it has one entry per row, names the training samples
	// for the model's Diagnostics.
	Samples []SampleInfo
	// Behaviour is what each training sample's programs did, in the order
	// of rows, for a detector whose Spec asks for it (Spec.Behaviour).
	Behaviour []*observe.Sample
}

// Dim is the number of features the model expects.
func (m *Model) Dim() int { return len(m.FeatureNames) }

// Spec returns the registry entry of the model's detector.
func (m *Model) Spec() algo.Spec {
	s, _ := algo.Lookup(m.Algorithm) // Validate checked it
	return s
}

// Parameters describes the fitted detector's parameters, for people.
func (m *Model) Parameters() map[string]string { return m.det.Params() }

// Score judges raw feature vectors, each of Dim features. Scoring runs on
// all cores; results are in the order of rows. A vector whose
// standardized values or score are not finite numbers gets a Result with
// Err set.
//
// seqs are the samples' call sequences, as for Train, when the model's
// detector reads them (Spec().Sequences); nil otherwise.
func (m *Model) Score(rows [][]float64, seqs [][][]string) []Result {
	return m.ScoreBehaviour(rows, seqs, nil)
}

// ScoreBehaviour is Score for a detector that also reads what the
// samples' programs did (Spec().Behaviour): beh has one entry per row, or
// is nil when it is not known. Such a detector's findings are in each
// Result's Findings.
func (m *Model) ScoreBehaviour(rows [][]float64, seqs [][][]string, beh []*observe.Sample) []Result {
	z := m.Scaler.TransformAll(rows)
	in := algo.Samples{Rows: z, Seqs: seqs, Behaviour: beh}
	scores := m.det.Score(in)
	var why []*algo.Explanation
	if ex, ok := m.det.(algo.Explainer); ok {
		why = ex.Explain(in)
	}
	var found [][]algo.Finding
	if f, ok := m.det.(algo.Finder); ok {
		found = f.Findings(in)
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
		if i < len(why) {
			out[i].Explanation = why[i]
		}
		if i < len(found) {
			out[i].Findings = found[i]
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

// Rarity is the share of the training samples whose own score is at least
// as anomalous as score (at or below it): an empirical p-value that reads
// the same for every algorithm. 0.01 means one training sample in a
// hundred scored as low.
func (m *Model) Rarity(score float64) float64 {
	if len(m.TrainScores) == 0 || math.IsNaN(score) {
		return 0
	}
	n, _ := slices.BinarySearch(m.TrainScores, math.Nextafter(score, math.Inf(1)))
	return float64(n) / float64(len(m.TrainScores))
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
