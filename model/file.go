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
	"os"
	"path/filepath"

	"detector/algo"
	"detector/internal/safefile"
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

// ErrNotModel is wrapped by CheckSaveTarget's refusal of a file that is
// not a detector model.
var ErrNotModel = errors.New("not a detector model")

// CheckSaveTarget reports whether a model may be saved at path, so that
// callers can refuse before any costly work. The path must not exist, or
// be a regular file, not a symbolic link, whose content starts with the
// model header line "detector model"; with force, any regular file will
// do. Anything else (a folder, device, FIFO, socket or symbolic link) is
// refused whatever force says, with an error wrapping
// safefile.ErrNotRegular; a regular file that is not a model is refused
// with an error wrapping ErrNotModel.
func CheckSaveTarget(path string, force bool) error {
	if err := safefile.CheckReplaceable(path); err != nil {
		return err
	}
	if force {
		return nil
	}
	f, err := safefile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(magic))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if string(head[:n]) != magic {
		return fmt.Errorf("refusing to overwrite %s: %w", path, ErrNotModel)
	}
	return nil
}

// Save writes m to path atomically: it writes a temporary file in the
// same folder, flushes it to disk and renames it over path. It replaces
// only what CheckSaveTarget(path, false) accepts: nothing, or a model
// file. If anything fails, path is left as it was and the temporary file
// is removed. Missing parent folders are created.
func Save(path string, m *Model) error { return save(path, m, false) }

// SaveForce is Save that also replaces a regular file that is not a
// model (CheckSaveTarget(path, true)).
func SaveForce(path string, m *Model) error { return save(path, m, true) }

func save(path string, m *Model, force bool) (err error) {
	var buf bytes.Buffer
	if err := Encode(&buf, m); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := CheckSaveTarget(path, force); err != nil {
		return err
	}
	f, err := safefile.CreateAtomic(path, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.Write(buf.Bytes()); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// Load reads and checks the model file at path. The file is opened with
// safefile.Open: a path that is not (a symlink to) a regular file is
// refused at once, so a FIFO cannot make Load wait.
func Load(path string) (*Model, error) {
	f, err := safefile.Open(path)
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
