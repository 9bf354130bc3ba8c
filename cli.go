package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"detector/hint"
	"detector/internal/safefile"
	"detector/model"
	"detector/pipeline"
	"detector/report"
)

// Helpers that several commands share.

// collect reads the samples in paths with a progress bar on stderr when
// stderr is a terminal.
//
// A path "-" is standard input, copied to a private file first (see
// spoolStdin) and named stdinName.
func collect(ctx context.Context, paths []string, o pipeline.Options) (t *pipeline.Table, err error) {
	paths = slices.Clone(paths)
	for i, p := range paths {
		if p != "-" {
			continue
		}
		spool, serr := spoolStdin()
		if serr != nil {
			return nil, serr
		}
		paths[i] = spool
		// Messages name the sample as people gave it.
		warn := o.Warn
		if warn == nil {
			warn = warnf
		}
		o.Warn = func(format string, args ...any) {
			warn("%s", strings.ReplaceAll(fmt.Sprintf(format, args...), spool, stdinName))
		}
		defer func() {
			if err != nil && strings.Contains(err.Error(), spool) {
				err = hint.Wrap(errors.New(strings.ReplaceAll(err.Error(), spool, stdinName)), hint.Of(err))
			}
		}()
	}
	bar := newProgress(os.Stderr, stderrIsTerminal())
	o.Progress = bar.step
	t, err = pipeline.Collect(ctx, paths, o)
	bar.done()
	if t != nil {
		for i, s := range t.Samples {
			if isSpool(s.Path) {
				t.Samples[i].Name = stdinName
				if s.Err != nil {
					t.Samples[i].Err = errors.New(strings.ReplaceAll(s.Err.Error(), s.Path, stdinName))
				}
			}
		}
	}
	return t, err
}

// errInterrupted is collect's error when Ctrl+C or SIGTERM stopped it.
var errInterrupted = pipeline.ErrInterrupted

type writeFunc func(w io.Writer, rows []report.Row, s report.Summary) error

func reportWriter(format string, csvRaw bool) (writeFunc, error) {
	switch format {
	case "table":
		return report.WriteTable, nil
	case "json":
		return report.WriteJSON, nil
	case "csv":
		if csvRaw {
			return report.WriteCSVRaw, nil
		}
		return report.WriteCSV, nil
	}
	return nil, withHint(fmt.Errorf("unknown output format %q", format), "--output takes table, json or csv")
}

// csvRawFlag is --csv-raw: CSV cells that begin like a spreadsheet formula
// are written exactly instead of with a leading single quote.
func csvRawFlag() cli.Flag {
	return &cli.BoolFlag{Name: "csv-raw", Usage: "csv: keep every string exact (by default a cell beginning with =, +, -, @, tab or carriage return, other than a number, gets a leading ' so a spreadsheet shows it as text)"}
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

// allFailed reports a run in which no sample could be read.
func allFailed(bad []pipeline.Sample) error {
	if len(bad) == 1 {
		return bad[0].Err
	}
	return failed(bad, "none of the %d samples could be read", len(bad))
}

// failed reports samples that could not be used: every error but the
// first becomes a warning, and the first ends the message, which is
// format and args followed by "; first: <error>".
func failed(bad []pipeline.Sample, format string, args ...any) error {
	for _, s := range bad[1:] {
		warnf("%v", s.Err)
	}
	return fmt.Errorf(format+"; first: %w", append(args, bad[0].Err)...)
}

// output is where a written file goes (a trace log, a ROC table): a new file renamed over a regular file
// (or a path that does not exist yet) when complete, so an interrupted run
// leaves no half-written log under that name; or an existing character
// device or FIFO, such as /dev/null, written in place as a shell's ">"
// would, never replaced.
type output struct {
	inPlace bool // a device or FIFO, written as the log comes
	w       io.Writer
	commit  func() error
	abort   func()
}

func openOutput(flag, path string) (output, error) {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode().Type()&(fs.ModeNamedPipe|fs.ModeCharDevice) != 0 {
		f, err := safefile.OpenDevice(path)
		if err != nil {
			return output{}, fmt.Errorf("%s: %w", flag, err)
		}
		return output{inPlace: true, w: f, commit: f.Close, abort: func() { f.Close() }}, nil
	}
	a, err := safefile.CreateAtomic(path, 0o600)
	if errors.Is(err, safefile.ErrNotRegular) {
		return output{}, withHint(fmt.Errorf("%s: %w", flag, err),
			"name a regular file, a new path, a character device or a fifo")
	}
	if err != nil {
		return output{}, fmt.Errorf("%s: %w", flag, err)
	}
	return output{w: a, commit: a.Commit, abort: a.Abort}, nil
}

// tableWidth is the width the table fits: $COLUMNS when it is a number,
// else the terminal's on standard output, else report.DefaultWidth.
func tableWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return max(n, minTableWidth)
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
		return max(w, minTableWidth)
	}
	return report.DefaultWidth
}

// minTableWidth is the narrowest table laid out.
const minTableWidth = 40
