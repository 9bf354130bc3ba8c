package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"detector/internal/safefile"
)

const magic = "detector model\n"

// MaxFileSize bounds what Load reads: a model of 50,000 training samples
// of ten features is a few MiB, so anything near this is not a model.
const MaxFileSize = 1 << 30

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
