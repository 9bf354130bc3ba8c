package seq

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"detector/algo"
)

// Model is a fitted, calibrated sequence model of an encoded call
// sequence: Decision is above 0 normal, below 0 anomalous, -Inf when it
// cannot be computed; Validate checks a decoded model.
type Model interface {
	Decision(s []int32) float64
	Validate() error
}

// Detector is a sequence model as the algo registry keeps it: the
// vocabulary fitted on the training calls (the featurizer's state), the
// model, and the decision of every training sample. It is gob-encodable
// through its parts' own encodings.
//
// A sample's processes are scored one by one and the sample's decision is
// the lowest, its most anomalous process: one hostile process among benign
// ones (a payload forked by a benign-looking launcher) is what matters, and
// averaging would dilute it. A sample without a single call has no decision
// (-Inf), which the caller reports as an error, never as normal.
type Detector[M Model] struct {
	Vocab *Vocabulary
	Model M
	// Train is the decision of each training sample, scored by the fitted
	// model (so in-sample: the calibration itself uses out-of-fold
	// statistics).
	Train []float64
	// Settings describes the fitted parameters for people.
	Settings map[string]string
}

// ModelFitter fits a calibrated model on encoded training sequences over a
// vocabulary of v tokens.
type ModelFitter[M Model] func(train [][]int32, v int) (M, error)

// FitDetector fits the vocabulary on every training process's calls (names
// seen once are kept), then the model on every non-empty process
// sequence, and scores the training samples.
func FitDetector[M Model](s algo.Samples, fit ModelFitter[M], settings map[string]string) (*Detector[M], error) {
	if len(s.Seqs) == 0 {
		return nil, errors.New("no call sequences: sequence models train on executables, strace logs or ADFA-LD traces")
	}
	var procs [][]string
	for i, sample := range s.Seqs {
		n := 0
		for _, p := range sample {
			if len(p) > 0 {
				procs = append(procs, p)
				n++
			}
		}
		if len(sample) == 0 {
			return nil, fmt.Errorf("training sample %d has no call sequences: sequence models train on executables, strace logs or ADFA-LD traces, not feature tables", i)
		}
		if n == 0 {
			return nil, fmt.Errorf("training sample %d has no calls", i)
		}
	}
	d := &Detector[M]{Vocab: Fit(procs, 1), Settings: settings}
	m, err := fit(d.Vocab.EncodeAll(procs), d.Vocab.Size())
	if err != nil {
		return nil, err
	}
	d.Model = m
	d.Train = d.Score(algo.Samples{Seqs: s.Seqs})
	for i, v := range d.Train {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("training sample %d has no finite decision", i)
		}
	}
	return d, nil
}

// Score returns each sample's decision: its lowest process decision.
func (d *Detector[M]) Score(s algo.Samples) []float64 {
	out := make([]float64, len(s.Seqs))
	for i, sample := range s.Seqs {
		out[i] = math.Inf(-1)
		first := true
		for _, p := range sample {
			if len(p) == 0 {
				continue
			}
			v := d.Model.Decision(d.Vocab.Encode(p))
			if first || v < out[i] || math.IsNaN(v) {
				out[i], first = v, false
			}
		}
	}
	return out
}

// Windower is implemented by sequence models that can point at the part of
// an encoded sequence that makes it anomalous: a window of calls and a
// sentence saying why.
type Windower interface {
	Evidence(s []int32, v *Vocabulary) (start, length int, detail string)
}

// Explain points, for every sample, at its worst process and, when the
// model is a Windower, the window that makes it anomalous.
func (d *Detector[M]) Explain(s algo.Samples) []*algo.Explanation {
	out := make([]*algo.Explanation, len(s.Seqs))
	w, ok := any(d.Model).(Windower)
	for i, sample := range s.Seqs {
		worst, best := -1, math.Inf(1)
		var enc []int32
		for j, p := range sample {
			if len(p) == 0 {
				continue
			}
			e := d.Vocab.Encode(p)
			if v := d.Model.Decision(e); worst < 0 || v < best {
				worst, best, enc = j, v, e
			}
		}
		if worst < 0 {
			continue
		}
		x := &algo.Explanation{Process: worst, Length: len(enc)}
		if ok {
			x.Start, x.Length, x.Detail = w.Evidence(enc, d.Vocab)
		}
		if x.Start < 0 || x.Length < 0 || x.Start+x.Length > len(enc) {
			x.Start, x.Length = 0, len(enc)
		}
		x.Calls = append([]string(nil), sample[worst][x.Start:x.Start+x.Length]...)
		out[i] = x
	}
	return out
}

// TrainingDecision returns the training samples' decisions.
func (d *Detector[M]) TrainingDecision() []float64 { return append([]float64(nil), d.Train...) }

// Params describes the fitted parameters.
func (d *Detector[M]) Params() map[string]string {
	out := map[string]string{"vocabulary": fmt.Sprint(len(d.Vocab.Names))}
	for k, v := range d.Settings {
		out[k] = v
	}
	return out
}

// maxSettings bounds the descriptive settings a decoded model may carry.
const maxSettings = 32

// Validate checks a decoded detector for n training samples (dim, the
// feature count, does not concern it).
func (d *Detector[M]) Validate(dim, n int) error {
	if d.Vocab == nil {
		return errors.New("no vocabulary")
	}
	if err := d.Vocab.Validate(); err != nil {
		return err
	}
	if v := reflect.ValueOf(d.Model); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return errors.New("no model")
	}
	if err := d.Model.Validate(); err != nil {
		return err
	}
	if len(d.Train) != n {
		return fmt.Errorf("%d training decisions for %d training samples", len(d.Train), n)
	}
	if !algo.Finite(d.Train...) {
		return fmt.Errorf("training decisions: %w", algo.ErrNotFinite)
	}
	if len(d.Settings) > maxSettings {
		return fmt.Errorf("%d settings, at most %d", len(d.Settings), maxSettings)
	}
	for k, v := range d.Settings {
		if len(k) > MaxNameLen || len(v) > MaxNameLen {
			return errors.New("a setting is too long")
		}
	}
	return nil
}

// DefaultContamination is the share of training sequences a sequence
// model's calibration places below 0 when --contamination is auto: the
// value the defaults were chosen with on the ADFA-LD development split.
const DefaultContamination = 0.1

// CalibrationParams are the training parameters every sequence model
// shares, read by CalibrationArgs.
var CalibrationParams = []algo.Param{
	{Name: "contamination", Default: "auto", Usage: "expected share of outliers in training, auto or a number in (0, 0.5]"},
	{Name: "folds", Default: "5", Usage: "folds of the out-of-fold calibration of the decision threshold"},
	{Name: "seed", Default: "0", Usage: "random seed; the same samples and seed give the same model"},
}

// CalibrationArgs reads the parameters every sequence model shares:
// --contamination (auto is DefaultContamination), --folds and --seed.
func CalibrationArgs(a algo.Args) (contamination float64, folds int, seed uint64, err error) {
	if contamination, err = a.Contamination(); err != nil {
		return
	}
	if contamination == 0 {
		contamination = DefaultContamination
	}
	if folds, err = a.Int("folds", 2); err != nil {
		return
	}
	if folds > 100 {
		err = fmt.Errorf("--folds must be at most 100, not %d", folds)
		return
	}
	if seed, err = strconv.ParseUint(a["seed"], 10, 64); err != nil {
		err = fmt.Errorf("--seed must be a whole number of at least 0, not %q", a["seed"])
	}
	return
}

// NewSpec builds the registry entry of a sequence model: its own
// parameters followed by CalibrationParams, config reading them (and
// checking them before any sample is read), fit fitting the calibrated model
// on the encoded training sequences, and settings describing a config for
// people. The detector is a Detector over the model.
func NewSpec[C any, M Model](name, title string, own []algo.Param, config func(algo.Args) (C, error),
	fit func(train [][]int32, v int, cfg C) (M, error), settings func(C) map[string]string) algo.Spec {
	return algo.Spec{
		Name:      name,
		Title:     title,
		Sequences: true,
		Params:    append(append([]algo.Param(nil), own...), CalibrationParams...),
		Check:     func(a algo.Args) error { _, err := config(a); return err },
		Fit: func(s algo.Samples, a algo.Args, _ algo.FitOptions) (algo.Detector, error) {
			cfg, err := config(a)
			if err != nil {
				return nil, err
			}
			return FitDetector(s, func(train [][]int32, v int) (M, error) { return fit(train, v, cfg) }, settings(cfg))
		},
		New: func() algo.Detector { return new(Detector[M]) },
	}
}

// CalibrationSettings describes the shared calibration parameters.
func CalibrationSettings(contamination float64, folds int, seed uint64) map[string]string {
	return map[string]string{
		"contamination": strconv.FormatFloat(contamination, 'g', -1, 64),
		"folds":         strconv.Itoa(folds),
		"seed":          strconv.FormatUint(seed, 10),
	}
}
