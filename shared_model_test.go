package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Models trained once per run of the package's tests and shared by every
// test asking for the same training: training runs each sample in the
// sandbox, which was most of the suite's time when each test trained its
// own. A shared model is read only: a test that changes a model, or that
// checks how train itself behaves, trains its own.
var sharedModels = struct {
	sync.Mutex
	byArgs map[string]*sharedModel
}{byArgs: map[string]*sharedModel{}}

type sharedModel struct {
	once         sync.Once
	args         []string
	dir          string
	path, stderr string
	code         int
	err          error // the run could not be started or waited on
}

// trainedModel returns the path of the model that detector train --model
// FILE ARGS makes, and train's standard error; the test fails unless
// train exited 0. The first test that asks trains it; the others with the
// same ARGS wait for it and get the same file, which they must not change.
func trainedModel(t *testing.T, args ...string) (path, stderr string) {
	t.Helper()
	key := strings.Join(args, "\x00")
	sharedModels.Lock()
	m := sharedModels.byArgs[key]
	if m == nil {
		m = &sharedModel{args: args, dir: filepath.Join(sharedDir, "model-"+strconv.Itoa(len(sharedModels.byArgs)))}
		sharedModels.byArgs[key] = m
	}
	sharedModels.Unlock()
	m.once.Do(m.train)
	switch {
	case m.err != nil:
		t.Fatalf("train the shared model (train %s): %v", strings.Join(args, " "), m.err)
	case m.code != 0:
		t.Fatalf("train the shared model (train %s): exit %d: %s", strings.Join(args, " "), m.code, m.stderr)
	}
	return m.path, m.stderr
}

// train runs detector train into a folder of the package run's own (a
// test's t.TempDir would go when that test ends).
func (m *sharedModel) train() {
	if err := os.MkdirAll(filepath.Join(m.dir, "data"), 0o755); err != nil {
		m.err = err
		return
	}
	m.path = filepath.Join(m.dir, "m.gob")
	cmd := exec.Command(binary, append([]string{"train", "--model", m.path}, m.args...)...)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(m.dir, "data"), "DETECTOR_MODEL=")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	m.stderr = errb.String()
	if ee, ok := err.(*exec.ExitError); ok {
		m.code = ee.ExitCode()
	} else if err != nil {
		m.err = fmt.Errorf("run %s: %w", binary, err)
	}
}

// commandsModel is the shared model of the 40 command lines of
// fixtures/commands/train.txt:
//
//	detector train [--tracer TRACER] --algorithm ALG --timeout slowTimeout --commands fixtures/commands/train.txt
//
// (tracer "" leaves --tracer out: auto, the default).
func commandsModel(t *testing.T, tracer, alg string) (path, stderr string) {
	t.Helper()
	var args []string
	if tracer != "" {
		args = append(args, "--tracer", tracer)
	}
	return trainedModel(t, append(args, "--algorithm", alg, "--timeout", slowTimeout, "--commands", "fixtures/commands/train.txt")...)
}

// benignModel is the shared model of the benign fixtures, with the
// default algorithm and tracer:
//
//	detector train --timeout slowTimeout fixtures/benign
func benignModel(t *testing.T) string {
	t.Helper()
	m, _ := trainedModel(t, "--timeout", slowTimeout, "fixtures/benign")
	return m
}
