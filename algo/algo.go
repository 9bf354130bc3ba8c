// Package algo is the contract between detector's sample pipeline and its
// anomaly detectors, and the registry that names them.
//
// A detector is described by a Spec: its --algorithm name, its training
// parameters (each one becomes a flag of `detector train`), how it is
// fitted, and how an empty one is made for a model file to be decoded
// into. A fitted Detector scores samples with scikit-learn's
// decision_function convention: above 0 normal, below 0 anomalous, 0 on the
// boundary. Scores are finite for every finite input; a caller treats any
// other score as an error for that sample, never as "normal".
//
// The pipeline hands a detector Samples in the representation its Spec
// asks for: the standardized feature rows (the ten statistics, or a CSV
// table's columns), and for sequence detectors each sample's per-process
// call-name sequences. A model file keeps the detector as the gob encoding
// of its concrete value, under its Spec's name; Decode makes the value with
// New, decodes into it and calls Validate, so a detector must hold its
// state in exported fields and check in Validate everything a crafted file
// could set.
//
// Adding a detector is a package that exports a Spec, and one line that
// registers it (see the main package's algorithms.go); no command switches
// on the algorithm.
package algo

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"strconv"

	"detector/observe"
)

// Samples are what a detector is fitted on and scores, one entry per
// sample.
type Samples struct {
	// Rows are standardized feature vectors, all of the same length.
	Rows [][]float64
	// Seqs are, for detectors whose Spec asks for Sequences, each
	// sample's processes' call names in trace order (an ADFA-LD trace is
	// one process).
	Seqs [][][]string
	// Behaviour is, for detectors whose Spec asks for Behaviour, what each
	// sample's programs did (nil entries, or a nil slice, where it is not
	// known: a feature table, the live monitor).
	Behaviour []*observe.Sample
}

// Len is the number of samples.
func (s Samples) Len() int { return len(s.Rows) }

// Detector is a fitted anomaly detector.
type Detector interface {
	// Score returns the decision function of every sample, in order:
	// above 0 normal, below 0 anomalous.
	Score(s Samples) []float64
	// TrainingDecision returns the decision function of the training
	// samples as the fit saw them (for LOF, each without itself among
	// its neighbours), in training order.
	TrainingDecision() []float64
	// Params describes the fitted parameters for people, by name.
	Params() map[string]string
	// Validate checks a decoded detector for dim features and n
	// training samples: shapes, index ranges and that every number is
	// finite and in its possible range.
	Validate(dim, n int) error
}

// Param is one training parameter; train offers it as --Name.
type Param struct {
	Name    string // flag name, without dashes
	Default string // value when the flag is not given
	Usage   string // one line of help; --help puts the names of the detectors that take it before it
}

// FitOptions are what every fit may use besides its own parameters.
type FitOptions struct {
	// Jobs bounds the goroutines a fit may use; results never depend on it.
	Jobs int
	// Warn reports an adjustment the person should know about (a
	// parameter capped to the data).
	Warn func(format string, args ...any)
}

// Spec describes a detector to the registry.
type Spec struct {
	// Name is the --algorithm value and the name stored in model files.
	Name string
	// Title names the method for people ("Local Outlier Factor").
	Title string
	// Sequences says the detector reads the samples' call sequences
	// (Samples.Seqs) besides, or instead of, their feature rows; the
	// pipeline records them only for such detectors.
	Sequences bool
	// Behaviour says the detector reads what the samples' programs did
	// (Samples.Behaviour); the pipeline records it only for such detectors.
	Behaviour bool
	// Params are the training parameters, each with its default.
	Params []Param
	// Check validates the parameters before any sample is read, so that
	// a typo costs nothing. Args hold every Param, defaults filled in.
	Check func(a Args) error
	// Fit fits a detector on the training samples (at least 2).
	Fit func(s Samples, a Args, o FitOptions) (Detector, error)
	// New returns an empty detector for a model file to be decoded into;
	// it must be a pointer.
	New func() Detector
}

// Describe writes the parameters of a fitted detector that are also
// training parameters, in the Spec's order: "neighbors=20,
// contamination=auto".
func (s Spec) Describe(params map[string]string) string {
	var b bytes.Buffer
	for _, p := range s.Params {
		if v, ok := params[p.Name]; ok {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.Name + "=" + v)
		}
	}
	return b.String()
}

var (
	specs []Spec
	index = map[string]int{}
)

// Register adds detectors to the registry, in the order that help texts
// list them. It panics on a duplicate or incomplete Spec: registration is
// a program's own set-up, not input.
func Register(ss ...Spec) {
	for _, s := range ss {
		if s.Name == "" || s.Check == nil || s.Fit == nil || s.New == nil {
			panic(fmt.Sprintf("algo: incomplete spec %q", s.Name))
		}
		if _, dup := index[s.Name]; dup {
			panic(fmt.Sprintf("algo: %q registered twice", s.Name))
		}
		index[s.Name] = len(specs)
		specs = append(specs, s)
	}
}

// Lookup returns the registered Spec of name.
func Lookup(name string) (Spec, error) {
	i, ok := index[name]
	if !ok {
		return Spec{}, fmt.Errorf("unknown algorithm %q (this build knows %s)", name, NameList())
	}
	return specs[i], nil
}

// All returns the registered specs in registration order.
func All() []Spec { return append([]Spec(nil), specs...) }

// NameList returns the registered names as "a, b or c".
func NameList() string {
	var b bytes.Buffer
	for i, s := range specs {
		switch {
		case i == 0:
		case i == len(specs)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(s.Name)
	}
	return b.String()
}

// Args are the values of a Spec's parameters, by name.
type Args map[string]string

// NewArgs returns the defaults of s's parameters, overridden by the
// values that get returns for the parameters given (ok true).
func NewArgs(s Spec, get func(name string) (value string, ok bool)) Args {
	a := Args{}
	for _, p := range s.Params {
		a[p.Name] = p.Default
		if get != nil {
			if v, ok := get(p.Name); ok {
				a[p.Name] = v
			}
		}
	}
	return a
}

// Int parses parameter name as an integer of at least lo.
func (a Args) Int(name string, lo int) (int, error) {
	v, err := strconv.Atoi(a[name])
	if err != nil || v < lo {
		return 0, fmt.Errorf("--%s must be a whole number of at least %d, not %q", name, lo, a[name])
	}
	return v, nil
}

// Float parses parameter name as a finite number in (lo, hi].
func (a Args) Float(name string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(a[name], 64)
	if err != nil || !(v > lo && v <= hi) {
		return 0, fmt.Errorf("--%s must be a number in (%g, %g], not %q", name, lo, hi, a[name])
	}
	return v, nil
}

// Contamination parses the shared --contamination parameter: "auto" (0)
// or the expected share of outliers among the training samples, in
// (0, 0.5].
func (a Args) Contamination() (float64, error) {
	s := a["contamination"]
	if s == "auto" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0 && v <= 0.5) {
		return 0, fmt.Errorf("--contamination must be auto or a number in (0, 0.5], not %q", s)
	}
	return v, nil
}

// Encode returns the gob encoding of a fitted detector, as a model file
// keeps it.
func Encode(d Detector) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode makes the detector that name's Spec describes from its gob
// encoding and validates it for dim features and n training samples.
func Decode(name string, state []byte, dim, n int) (Detector, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	d := s.New()
	if err := gob.NewDecoder(bytes.NewReader(state)).Decode(d); err != nil {
		return nil, fmt.Errorf("decode %s: %w", s.Title, err)
	}
	if err := d.Validate(dim, n); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Title, err)
	}
	return d, nil
}

// ErrNotFinite is returned by validators for a NaN or infinite number.
var ErrNotFinite = errors.New("not a finite number")

// Finite reports whether every value is a finite number.
func Finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// StoredRows is implemented by detectors that keep standardized training
// rows (LOF's points, the One-Class SVM's support vectors), so that a
// model's validation can check that none lies further out than the
// training data allows.
type StoredRows interface {
	StoredRows() [][]float64
}

// PackFloats returns x as flat little-endian float64 bytes. Detectors
// store their arrays this way: gob checks a []byte's length against the
// data before allocating it, so decoding a crafted file costs no more
// memory than its size.
func PackFloats(x []float64) []byte {
	p := make([]byte, 0, 8*len(x))
	for _, v := range x {
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(v))
	}
	return p
}

// PackRows returns the rows of x, one after the other, as PackFloats does.
func PackRows(x [][]float64) []byte {
	n := 0
	for _, r := range x {
		n += len(r)
	}
	p := make([]byte, 0, 8*n)
	for _, r := range x {
		for _, v := range r {
			p = binary.LittleEndian.AppendUint64(p, math.Float64bits(v))
		}
	}
	return p
}

// UnpackFloats reads want values packed by PackFloats; what names them in
// the error when p holds another number of bytes.
func UnpackFloats(what string, p []byte, want int) ([]float64, error) {
	if want < 0 || len(p) != 8*want {
		return nil, fmt.Errorf("%d bytes of %s, want %d values", len(p), what, want)
	}
	x := make([]float64, want)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
	}
	return x, nil
}

// UnpackRows reads rows of d values packed by PackRows: rows*d values
// viewed as rows sharing one array.
func UnpackRows(what string, p []byte, rows, d int) ([][]float64, error) {
	if rows < 0 || d < 1 || rows > len(p)/(8*d) {
		return nil, fmt.Errorf("%d bytes of %s, want %d rows of %d values", len(p), what, rows, d)
	}
	flat, err := UnpackFloats(what, p, rows*d)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, rows)
	for i := range out {
		out[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	return out, nil
}

// EncodeGob returns the gob encoding of v: the body of a detector's
// GobEncode, for a value that stores its arrays packed (PackFloats).
func EncodeGob(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

// DecodeGob decodes data, written by EncodeGob, into v.
func DecodeGob(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

// Explainer is implemented by detectors that can say where in a sample its
// score comes from. Explain returns, per sample, at most one Explanation
// (nil when it has none).
type Explainer interface {
	Explain(s Samples) []*Explanation
}

// Explanation points at the part of a sample that scores worst: for
// sequence detectors, a process (its index in Samples.Seqs) and a window of
// its calls.
type Explanation struct {
	Process       int      // index of the process in the sample's Seqs
	Start, Length int      // the window, in calls of that process
	Calls         []string // the window's call names
	Detail        string   // what the window shows, for people
}

// Finder is implemented by detectors whose evidence is a list of named
// findings (the profile detector). Findings returns, per sample, its
// findings, most severe first.
type Finder interface {
	Findings(s Samples) [][]Finding
}

// Finding is one deviation a detector found in a sample, for the report:
// Rule names its kind ("profile-new-file"), Severity is INFO, WARNING or
// ALERT, Message is the evidence in one line, PID the process concerned
// (0 when unknown), Program its identity.
type Finding struct {
	Rule     string
	Severity string
	Message  string
	PID      int
	Program  string
}

// Merger is implemented by detectors whose fitted models combine (the
// profile detector): Merge returns a detector fitted, as far as the
// method allows, on both models' training samples, this one's first.
type Merger interface {
	Merge(other Detector) (Detector, error)
}
