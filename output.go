package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"golang.org/x/term"

	"detector/internal/safefile"
	"detector/report"
)

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
