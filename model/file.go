package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"detector/algo"
)

const magic = "detector model\n"

// MaxFileSize bounds what Load reads: a model of 50,000 training samples
// of ten features is a few MiB, so anything near this is not a model.
const MaxFileSize = 1 << 30

type header struct {
	Format      int
	ToolVersion string
}

// Encode writes m in the model file format.
func Encode(w io.Writer, m *Model) error {
	return encodeWith(w, header{Format: FormatVersion, ToolVersion: m.ToolVersion}, m)
}

func encodeWith(w io.Writer, h header, m *Model) error {
	var buf bytes.Buffer
	buf.WriteString(magic)
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(h); err != nil {
		return err
	}
	if err := enc.Encode(m); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	_, err := w.Write(buf.Bytes())
	return err
}

// Decode reads a model written by Encode and checks it.
func Decode(r io.Reader) (m *Model, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes: not a model file", MaxFileSize)
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
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("checksum mismatch: the model file is truncated or corrupt")
	}
	// The checksum makes a hostile file unlikely here, but gob must not
	// be able to crash the tool whatever it is handed.
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("corrupt model file: %v", p)
		}
	}()
	dec := gob.NewDecoder(bytes.NewReader(body[len(magic):]))
	var h header
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("corrupt model header: %w", err)
	}
	if h.Format != FormatVersion {
		return nil, fmt.Errorf("model format %d (written by detector %s) is not format %d that this detector reads; train the model again",
			h.Format, h.ToolVersion, FormatVersion)
	}
	m = new(Model)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("corrupt model: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("inconsistent model: %w", err)
	}
	return m, nil
}

// Validate checks that the model's parts agree in shape and hold finite
// numbers, so that scoring with it cannot go wrong.
func (m *Model) Validate() error {
	d := len(m.FeatureNames)
	if d == 0 {
		return errors.New("no feature names")
	}
	if len(m.Scaler.Mean) != d || len(m.Scaler.Scale) != d {
		return fmt.Errorf("scaler has %d means and %d scales for %d features", len(m.Scaler.Mean), len(m.Scaler.Scale), d)
	}
	for j := range d {
		if !finite(m.Scaler.Mean[j]) || !finite(m.Scaler.Scale[j]) || m.Scaler.Scale[j] <= 0 {
			return fmt.Errorf("scaler of feature %s is invalid (mean %v, scale %v)", m.FeatureNames[j], m.Scaler.Mean[j], m.Scaler.Scale[j])
		}
	}
	if m.Samples < 1 || len(m.TrainScores) != m.Samples {
		return fmt.Errorf("%d training scores for %d training samples", len(m.TrainScores), m.Samples)
	}
	det, err := algo.Decode(m.Algorithm, m.Detector, d, m.Samples)
	if err != nil {
		return err
	}
	m.det = det
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Save writes m to path atomically: it writes a temporary file in the
// same folder, flushes it to disk and renames it over path. If anything
// fails, path is left as it was and the temporary file is removed.
// Missing parent folders are created.
func Save(path string, m *Model) (err error) {
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(buf.Bytes()); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable; failure here loses nothing already
	// visible, so it is not reported.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Load reads and checks the model file at path.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	return m, nil
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if !finite(x) {
			return false
		}
	}
	return true
}
