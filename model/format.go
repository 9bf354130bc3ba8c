package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"
	"time"

	"detector/algo"
	"detector/features"
)

// header is the first gob value of a model file. Besides the format
// version it declares the model's shape, which Decode checks against
// fixed bounds and against the file's length before it decodes the bulk,
// so that a crafted file cannot make loading cost more memory than a
// model of the declared shape needs.
type header struct {
	Format      int
	ToolVersion string
	Algorithm   string
	Features    int // d
	Samples     int // n, training samples
	State       int // bytes of the detector's own encoding
	// DiagNames and DiagBytes declare the sample names the diagnostics
	// hold and their bytes (0 and 0 without diagnostics).
	DiagNames, DiagBytes int
}

// Bounds on a model's declared shape.
const (
	MaxFeatures = features.MaxCSVColumns
	MaxSamples  = features.MaxCSVRows
	maxNameLen  = features.MaxNameLen
)

// body is the second gob value. Every array is a flat little-endian
// float64 array in a []byte (algo.PackFloats), whose length gob checks
// against the data before allocating; the feature names are one string
// joined by NUL; the detector is its own encoding (algo.Encode), which
// stores its arrays the same way. Nothing in it costs gob more memory than
// the bytes it takes in the file.
type body struct {
	Names        string
	Mean, Scale  []byte
	TrainScores  []byte
	Input        string
	TraceOptions string
	Created      time.Time
	Detector     []byte
	Diagnostics  *Diagnostics // nil without
	Origin       *Origin      // nil for a model trained on samples
}

// Encode writes m in the model file format.
func Encode(w io.Writer, m *Model) error {
	h, b, err := toFile(m)
	if err != nil {
		return err
	}
	return encodeWith(w, h, b)
}

func encodeWith(w io.Writer, h header, b any) error {
	var buf bytes.Buffer
	buf.WriteString(magic)
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(h); err != nil {
		return err
	}
	if err := enc.Encode(b); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	_, err := w.Write(buf.Bytes())
	return err
}

// toFile splits m into its header and body.
func toFile(m *Model) (header, *body, error) {
	h := header{Format: FormatVersion, ToolVersion: m.ToolVersion, Algorithm: m.Algorithm,
		Features: len(m.FeatureNames), Samples: m.Samples, State: len(m.Detector)}
	h.DiagNames, h.DiagBytes = m.Diagnostics.names()
	for _, n := range m.FeatureNames {
		if strings.IndexByte(n, 0) >= 0 {
			return h, nil, fmt.Errorf("feature name %q holds a NUL byte", n)
		}
	}
	b := &body{
		Names:        strings.Join(m.FeatureNames, "\x00"),
		Mean:         algo.PackFloats(m.Scaler.Mean),
		Scale:        algo.PackFloats(m.Scaler.Scale),
		TrainScores:  algo.PackFloats(m.TrainScores),
		Input:        m.Input,
		TraceOptions: m.TraceOptions,
		Created:      m.Created,
		Detector:     m.Detector,
		Diagnostics:  m.Diagnostics,
		Origin:       m.Origin,
	}
	return h, b, nil
}

// checkShape checks a header's declared shape against fixed bounds and
// against rest, the number of bytes that follow the header: the body must
// hold the declared arrays and the detector's state, and little else.
func checkShape(h header, rest int) error {
	d, n := h.Features, h.Samples
	if d < 1 || d > MaxFeatures {
		return fmt.Errorf("%d features, want 1 to %d", d, MaxFeatures)
	}
	if n < 1 || n > MaxSamples {
		return fmt.Errorf("%d training samples, want 1 to %d", n, MaxSamples)
	}
	if _, err := algo.Lookup(h.Algorithm); err != nil {
		return err
	}
	if h.State < 1 || h.State > rest {
		return fmt.Errorf("detector state of %d bytes in %d bytes of model data", h.State, rest)
	}
	if h.DiagNames < 0 || h.DiagNames > 4*MaxDiagnosticNames || h.DiagBytes < 0 || h.DiagBytes > h.DiagNames*MaxSampleName {
		return fmt.Errorf("diagnostics of %d names in %d bytes, want at most %d names of %d bytes", h.DiagNames, h.DiagBytes,
			4*MaxDiagnosticNames, MaxSampleName)
	}
	need := 8*(2*d+n) + h.State + h.DiagBytes
	// Names, input kind, trace options, the origin, a few scalars and
	// gob's framing.
	most := need + d*(maxNameLen+1) + 4096 + MaxOriginHost + 16*h.DiagNames
	if rest < need || rest > most {
		return fmt.Errorf("%d bytes of model data where %d features, %d samples and %d bytes of detector state take %d to %d",
			rest, d, n, h.State, need, most)
	}
	return nil
}

// fromFile builds the model from its header and body, checking that every
// array has the length the header declares. The detector itself is
// decoded by Validate.
func fromFile(h header, b *body) (*Model, error) {
	d, n := h.Features, h.Samples
	if c := strings.Count(b.Names, "\x00"); c != d-1 {
		return nil, fmt.Errorf("%d feature names for %d features", c+1, d)
	}
	if len(b.Detector) != h.State {
		return nil, fmt.Errorf("%d bytes of detector state, the header says %d", len(b.Detector), h.State)
	}
	if c, nb := b.Diagnostics.names(); c != h.DiagNames || nb != h.DiagBytes {
		return nil, fmt.Errorf("diagnostics hold %d names in %d bytes, the header says %d in %d", c, nb, h.DiagNames, h.DiagBytes)
	}
	m := &Model{
		FeatureNames: strings.Split(b.Names, "\x00"),
		Algorithm:    h.Algorithm,
		Detector:     b.Detector,
		Samples:      n,
		Input:        b.Input,
		TraceOptions: b.TraceOptions,
		ToolVersion:  h.ToolVersion,
		Created:      b.Created,
		Diagnostics:  b.Diagnostics,
		Origin:       b.Origin,
	}
	var err error
	un := func(what string, p []byte, want int) []float64 {
		if err != nil {
			return nil
		}
		var x []float64
		x, err = algo.UnpackFloats(what, p, want)
		return x
	}
	m.Scaler.Mean = un("scaler means", b.Mean, d)
	m.Scaler.Scale = un("scaler scales", b.Scale, d)
	m.TrainScores = un("training scores", b.TrainScores, n)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// readAll reads at most MaxFileSize+1 bytes of r, into a buffer of the
// file's size when r is a regular file, so that reading costs the file's
// size once rather than a doubling buffer's garbage.
func readAll(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() > MaxFileSize {
				// Refused before a byte is read: a 20 GiB sparse file
				// costs nothing.
				return nil, fmt.Errorf("larger than %d MiB: not a model file", MaxFileSize>>20)
			}
			buf.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	_, err := buf.ReadFrom(io.LimitReader(r, MaxFileSize+1))
	return buf.Bytes(), err
}

// Decode reads a model written by Encode and checks it. The header's
// declared shape is checked before the model itself is decoded, so memory
// stays within a small multiple of the file's size.
func Decode(r io.Reader) (m *Model, err error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d MiB: not a model file", MaxFileSize>>20)
	}
	if !bytes.HasPrefix(data, []byte(magic)) {
		if len(data) == 0 {
			return nil, errors.New("empty file: not a model file")
		}
		if bytes.HasPrefix([]byte(magic), data) {
			return nil, errors.New("truncated model file")
		}
		return nil, errors.New("not a model file (no detector model header)")
	}
	if len(data) < len(magic)+sha256.Size {
		return nil, errors.New("truncated model file")
	}
	content, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(content); !bytes.Equal(got[:], sum) {
		return nil, errors.New("checksum mismatch: the model file is truncated or corrupt")
	}
	// The checksum makes a hostile file unlikely here, but gob must not
	// be able to crash the tool whatever it is handed.
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("corrupt model file: %v", p)
		}
	}()
	rd := bytes.NewReader(content[len(magic):])
	dec := gob.NewDecoder(rd)
	var h header
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("corrupt model header: %w", err)
	}
	switch {
	case h.Format < FormatVersion:
		return nil, fmt.Errorf("model format %d was written by an older detector (%s); this one reads format %d: train the model again",
			h.Format, h.ToolVersion, FormatVersion)
	case h.Format > FormatVersion:
		return nil, fmt.Errorf("model format %d was written by a newer detector (%s); this one reads format %d: train the model again",
			h.Format, h.ToolVersion, FormatVersion)
	}
	if err := checkShape(h, rd.Len()); err != nil {
		return nil, fmt.Errorf("inconsistent model: %w", err)
	}
	var b body
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("corrupt model: %w", err)
	}
	if rd.Len() != 0 {
		return nil, errors.New("corrupt model: data after the model")
	}
	if m, err = fromFile(h, &b); err != nil {
		return nil, fmt.Errorf("inconsistent model: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("inconsistent model: %w", err)
	}
	return m, nil
}

// Bounds on the scaler. A standard deviation outside them is not one of
// a measurement a detector can use: a huge one would make every sample
// look like the training mean, a tiny one every sample infinitely far.
const (
	MinScale = 1e-30
	MaxScale = 1e30
	MaxMean  = 1e100
)

// Validate checks every part and every number of the model against what
// Train produces, so that a model that is damaged or crafted (even with a
// valid checksum) is refused rather than allowed to score wrongly: feature
// names, a finite scaler within bounds (a constant feature has scale 1,
// any other a standard deviation in [MinScale, MaxScale] above the
// rounding error of its mean), standardized training rows no further out
// than n training samples allow, the algorithm's own invariants (see
// the detector's Validate, and for detectors that keep standardized
// training rows (algo.StoredRows) their range), and training scores that are
// exactly the fitted model's own, sorted.
func (m *Model) Validate() error {
	d := len(m.FeatureNames)
	if d == 0 || d > MaxFeatures {
		return fmt.Errorf("%d feature names, want 1 to %d", d, MaxFeatures)
	}
	seen := make(map[string]bool, d)
	for _, n := range m.FeatureNames {
		if n == "" || len(n) > maxNameLen || seen[n] || strings.IndexByte(n, 0) >= 0 {
			return fmt.Errorf("feature name %.40q is empty, repeated, too long or holds a NUL byte", n)
		}
		seen[n] = true
	}
	if len(m.Scaler.Mean) != d || len(m.Scaler.Scale) != d {
		return fmt.Errorf("scaler has %d means and %d scales for %d features", len(m.Scaler.Mean), len(m.Scaler.Scale), d)
	}
	n := m.Samples
	if n < 1 || n > MaxSamples || len(m.TrainScores) != n {
		return fmt.Errorf("%d training scores for %d training samples", len(m.TrainScores), n)
	}
	// How far out a standardized training value can lie: with the
	// population standard deviation, sqrt(n); a constant column (scale 1)
	// is only centred, off by its mean's rounding.
	limit := make([]float64, d)
	for j := range d {
		mean, scale := m.Scaler.Mean[j], m.Scaler.Scale[j]
		if !finite(mean) || math.Abs(mean) > MaxMean {
			return fmt.Errorf("scaler of feature %s: mean %v is not a finite number within ±%g", m.FeatureNames[j], mean, MaxMean)
		}
		if scale != 1 && !(scale >= MinScale && scale <= MaxScale && scale > math.Abs(mean)*epsilon) {
			return fmt.Errorf("scaler of feature %s: standard deviation %v is not 1 or in [%g, %g] (mean %v)",
				m.FeatureNames[j], scale, MinScale, MaxScale, mean)
		}
		limit[j] = math.Sqrt(float64(n)) * (1 + 1e-9) * max(1, 2*float64(n)*math.Abs(mean)*epsilon/scale)
	}
	det, err := algo.Decode(m.Algorithm, m.Detector, d, n)
	if err != nil {
		return err
	}
	if r, ok := det.(algo.StoredRows); ok {
		if err := checkRange(m.Spec().Title+" stored row", r.StoredRows(), limit); err != nil {
			return err
		}
	}
	fitted := det.TrainingDecision()
	slices.Sort(fitted)
	if !slices.Equal(fitted, m.TrainScores) {
		return errors.New("training scores are not the fitted model's own")
	}
	if err := m.Diagnostics.validate(n); err != nil {
		return err
	}
	if err := m.Origin.validate(); err != nil {
		return err
	}
	if mg := m.Margin(); !finite(mg) || mg <= 0 {
		return fmt.Errorf("confidence margin %v is not positive", mg)
	}
	m.det = det
	return nil
}

const epsilon = 2.220446049250313e-16

// checkRange checks that no standardized row lies further out than the
// training data allows.
func checkRange(what string, rows [][]float64, limit []float64) error {
	for i, r := range rows {
		for j, v := range r {
			if !(math.Abs(v) <= limit[j]) {
				return fmt.Errorf("%s %d: feature %d is %v, beyond the ±%.4g the training data allows", what, i, j, v, limit[j])
			}
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
