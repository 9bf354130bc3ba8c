package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"detector/internal/safefile"
	"detector/model"
)

// defaultModelPath is $XDG_DATA_HOME/detector/model.gob, falling back to
// ~/.local/share as the XDG base directory specification says.
func defaultModelPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "detector", "model.gob"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", withHint(fmt.Errorf("no default model location: %w", err), "name the model file with --model FILE")
	}
	return filepath.Join(home, ".local", "share", "detector", "model.gob"), nil
}

func modelPath(c *cli.Context) (string, error) {
	if p := c.String("model"); p != "" {
		return p, nil
	}
	if p := os.Getenv("DETECTOR_MODEL"); p != "" {
		return p, nil
	}
	return defaultModelPath()
}

// loadModel loads the model named by --model or the default location.
func loadModel(c *cli.Context) (*model.Model, error) {
	path, err := modelPath(c)
	if err != nil {
		return nil, err
	}
	return loadModelAt(path)
}

// loadModelAt loads the model at path, with a hint for every way it can
// fail.
func loadModelAt(path string) (*model.Model, error) {
	m, err := model.Load(path)
	if os.IsNotExist(err) {
		return nil, withHint(fmt.Errorf("no model at %s", path), "train one first: detector train PATH... (or name it with --model FILE)")
	}
	if errors.Is(err, safefile.ErrNotRegular) {
		return nil, withHint(fmt.Errorf("model: %w", err), "name a model file with --model FILE")
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, withHint(fmt.Errorf("read model %s: permission denied", path), permissionHint(path, "read"))
	}
	if err != nil {
		return nil, withHint(err, "train the model again: detector train PATH...")
	}
	return m, nil
}

// permissionHint names what keeps this user from doing op ("read" or
// "write") on path: the file's mode and owner, or the folder's when the
// file is not there or the folder is what refuses.
func permissionHint(path, op string) string {
	uid := os.Geteuid()
	fi, err := os.Stat(path)
	if err != nil || op == "write" && !fi.Mode().IsRegular() {
		dir := filepath.Dir(path)
		if di, derr := os.Stat(dir); derr == nil {
			return fmt.Sprintf("the folder %s is %s, owned by uid %d, and you are uid %d: it needs write and execute permission for you (chmod or chown), or name another file with --model",
				dir, di.Mode().Perm(), ownerUID(di), uid)
		}
		return fmt.Sprintf("a folder above %s does not let uid %d through: each needs execute permission for you", path, uid)
	}
	return fmt.Sprintf("%s is %s, owned by uid %d, and you are uid %d: it needs %s permission for you (chmod or chown), or run as its owner",
		path, fi.Mode().Perm(), ownerUID(fi), uid, op)
}

// ownerUID is the owner of a file, -1 when the system does not say.
func ownerUID(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
