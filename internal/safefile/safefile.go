// Package safefile opens and replaces files named by paths the tool does
// not control (samples, feature tables, models, output files), so that no
// path can make the tool wait forever or replace something that is not a
// regular file.
//
// Reading: [Open] and [OpenDir] resolve symbolic links first, then open
// the resolved path with O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_NOCTTY|O_CLOEXEC,
// so that the open itself never waits (on a FIFO without a writer, say) and
// a last component swapped for a symlink after the resolution fails rather
// than being followed. The opened descriptor is then checked with fstat:
// Open accepts only a regular file, OpenDir only a directory; anything
// else is closed again and refused with an error wrapping [ErrNotRegular]
// or [ErrNotDir]. O_NONBLOCK is cleared before the file is handed out.
// What was checked is the descriptor that is read, so a file swapped
// between an earlier stat and the open is caught.
//
// Writing: [CheckTarget] tells what is at an output path; [CreateAtomic]
// writes a new file beside the path and renames it over the path only if
// the path is still absent or a regular file; [OpenDevice] writes to an
// existing character device or FIFO in place, without creating, truncating
// or waiting.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrNotRegular and ErrNotDir say that a path names the wrong kind of file.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrNotDir     = errors.New("not a folder")
)

const readFlags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOFOLLOW | syscall.O_NOCTTY | syscall.O_CLOEXEC

// Open opens path for reading; it must be, or be a symlink to, a regular
// file. Errors are *fs.PathError naming path.
func Open(path string) (*os.File, error) {
	return open(path, 0, fs.ModeType, ErrNotRegular)
}

// OpenDir opens path for reading its entries; it must be, or be a symlink
// to, a directory. Errors are *fs.PathError naming path.
func OpenDir(path string) (*os.File, error) {
	return open(path, syscall.O_DIRECTORY, fs.ModeDir, ErrNotDir)
}

// open opens path with readFlags|extra and accepts it when its type bits
// equal want (0 for a regular file).
func open(path string, extra int, want fs.FileMode, wrong error) (*os.File, error) {
	if want == fs.ModeType {
		want = 0
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: underlying(err)}
	}
	var fd int
	for {
		fd, err = syscall.Open(real, readFlags|extra, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		if err == syscall.ENOTDIR && extra&syscall.O_DIRECTORY != 0 {
			err = wrong
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if mode := typeOf(st.Mode); mode != want {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", wrong, TypeName(mode))}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// underlying strips the *fs.PathError that filepath.EvalSymlinks wraps
// around its errors, which names a component rather than path.
func underlying(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// typeOf converts the st_mode type bits to fs.FileMode type bits.
func typeOf(m uint32) fs.FileMode {
	switch m & syscall.S_IFMT {
	case syscall.S_IFREG:
		return 0
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}

// TypeName names a file type for messages: "regular file", "folder",
// "symbolic link", "fifo", "socket", "character device", "block device".
func TypeName(t fs.FileMode) string {
	switch {
	case t.Type() == 0:
		return "regular file"
	case t&fs.ModeDir != 0:
		return "folder"
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "fifo"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "block device"
	}
	return "irregular file"
}

// CheckReplaceable reports whether path may be replaced by a new file: it
// must not exist or be a regular file. A symbolic link, folder, device,
// FIFO or socket is refused with an error wrapping [ErrNotRegular]; a
// symlink is not followed (replacing it would replace the link, not what
// it points to).
func CheckReplaceable(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if t := fi.Mode().Type(); t != 0 {
		return &fs.PathError{Op: "replace", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, TypeName(t))}
	}
	return nil
}

// Atomic is a file being written to replace a path: a temporary file in
// the same folder, renamed over the path by Commit.
type Atomic struct {
	*os.File
	path string
	done bool
}

// CreateAtomic starts a file that will replace path, with permissions
// perm. It refuses a path that [CheckReplaceable] refuses. The parent
// folder must exist.
func CreateAtomic(path string, perm fs.FileMode) (*Atomic, error) {
	if err := CheckReplaceable(path); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	return &Atomic{File: tmp, path: path}, nil
}

// Commit flushes the file to disk, closes it and renames it over the
// path, after checking again that the path is absent or a regular file.
// On error the temporary file is removed and the path is left as it was.
func (a *Atomic) Commit() error {
	if a.done {
		return errors.New("commit " + a.path + ": already done")
	}
	a.done = true
	err := a.Sync()
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = CheckReplaceable(a.path)
	}
	if err == nil {
		err = os.Rename(a.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.Name())
		return err
	}
	// Make the rename itself durable; failure here loses nothing already
	// visible, so it is not reported.
	if d, derr := OpenDir(filepath.Dir(a.path)); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Abort closes and removes the temporary file; after Commit it does
// nothing.
func (a *Atomic) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.Close()
	os.Remove(a.Name())
}

// OpenDevice opens an existing character device or FIFO at path for
// writing in place: without following a symlink, creating, truncating or
// waiting for a reader. Anything else is refused with an error wrapping
// [ErrNotDevice]; a FIFO without a reader is an error too.
func OpenDevice(path string) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.ENXIO {
		return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("fifo has no reader")}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if t := typeOf(st.Mode); t&(fs.ModeNamedPipe|fs.ModeCharDevice) == 0 {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotDevice, TypeName(t))}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ErrNotDevice says that OpenDevice found something other than a
// character device or FIFO.
var ErrNotDevice = errors.New("not a character device or fifo")
