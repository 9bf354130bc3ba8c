package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"detector/commands"
	"detector/internal/safefile"
	"detector/pipeline"
)

// invocation is the command line given after "--" to train, detect or
// features (detector detect [flags] [PATH...] -- CMD ARGS...): one more
// sample, run with its arguments. main takes it off the arguments before
// the flag parser sees them, since after "--" the parser could not tell
// the paths from the command.
var invocation []string

// sampleCommands are the commands that take "-- CMD ARGS" this way.
var sampleCommands = []string{"train", "detect", "features", "monitor"}

// splitInvocation returns args without the invocation, and the invocation:
// everything after the first "--" when the command is one of
// sampleCommands (or the --train DIR / --detect DIR spelling). Other
// commands (trace) keep their "--".
func splitInvocation(args []string) ([]string, []string) {
	if len(args) < 2 {
		return args, nil
	}
	first := args[1]
	takes := false
	for _, c := range sampleCommands {
		takes = takes || first == c
	}
	for _, f := range []string{"--train", "--detect", "-train", "-detect"} {
		takes = takes || first == f || strings.HasPrefix(first, f+"=")
	}
	if !takes {
		return args, nil
	}
	for i, a := range args[2:] {
		if a == "--" {
			return args[:2+i], args[3+i:]
		}
	}
	return args, nil
}

// commandFlags are the flags of the commands that run samples given as
// command lines.
func commandFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "commands", Usage: "also run each command line of `FILE` (one per line, shell quoting, # comments) as a sample named by its line"},
		&cli.StringFlag{Name: "stdin", Usage: "feed `FILE` to the standard input of every executed sample (default: nothing to read)"},
	}
}

// hasCommands reports whether samples are given as command lines.
func hasCommands(c *cli.Context) bool {
	return c.String("commands") != "" || len(invocation) > 0
}

// addCommands puts the samples given as command lines (--commands FILE,
// then -- CMD ARGS) and --stdin into o.
func addCommands(c *cli.Context, o *pipeline.Options) error {
	if f := c.String("commands"); f != "" {
		cmds, err := readCommands(f)
		if err != nil {
			return err
		}
		for _, cmd := range cmds {
			o.Commands = append(o.Commands, pipeline.Command{Name: cmd.Name, Argv: cmd.Argv})
		}
	}
	if len(invocation) > 0 {
		o.Commands = append(o.Commands, pipeline.Command{Name: shellJoin(invocation), Argv: invocation})
	}
	if f := c.String("stdin"); f != "" {
		// Checked now, so that a bad file stops the command before any run.
		in, err := safefile.Open(f)
		if err != nil {
			return withHint(fmt.Errorf("--stdin: %w", err), "name a regular file")
		}
		in.Close()
		o.Stdin = f
	}
	return nil
}

// readCommands reads a --commands file; an error names the file and line.
func readCommands(path string) ([]commands.Command, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, withHint(fmt.Errorf("--commands: %w", err), "name a regular file of command lines")
	}
	defer f.Close()
	cmds, err := commands.Parse(f)
	var le *commands.Error
	if errors.As(err, &le) {
		return nil, fmt.Errorf("%s:%d: %s", path, le.Line, le.Msg)
	}
	if err != nil {
		return nil, fmt.Errorf("--commands %s: %w", path, err)
	}
	if len(cmds) == 0 {
		return nil, withHint(fmt.Errorf("--commands %s: no command in it", path), "write one command line per line")
	}
	return cmds, nil
}

// shellJoin writes argv as a shell command line, quoting the words that
// need it, to name a sample.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// stdinName is the name of the sample read from standard input ("-").
const stdinName = "stdin"

// maxStdin bounds what is read from standard input.
const maxStdin = 4 << 30

var stdinSpool struct {
	sync.Mutex
	dir, path string
}

// spoolStdin copies standard input into a private temporary file (the
// samples are read by path, some of them twice) and returns its path. The
// file is removed by removeSpool when detector exits.
func spoolStdin() (string, error) {
	stdinSpool.Lock()
	defer stdinSpool.Unlock()
	if stdinSpool.path != "" {
		return "", errors.New("standard input (-) given twice")
	}
	dir, err := os.MkdirTemp("", "detector-stdin-")
	if err != nil {
		return "", err
	}
	stdinSpool.dir = dir
	// Compressed input is recognised by its magic number, as the suffix
	// that names it on a file is missing.
	in := bufio.NewReader(os.Stdin)
	head, _ := in.Peek(6)
	path := filepath.Join(dir, stdinName+compressionSuffix(head))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(in, maxStdin+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > maxStdin {
		err = fmt.Errorf("more than %d GiB", maxStdin>>30)
	}
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	stdinSpool.path = path
	return path, nil
}

// compressionSuffix names the compression whose magic number starts head:
// ".gz", ".zst", ".xz" or "".
func compressionSuffix(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return ".gz"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return ".zst"
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return ".xz"
	}
	return ""
}

// isSpool reports whether path is the copy of standard input.
func isSpool(path string) bool {
	stdinSpool.Lock()
	defer stdinSpool.Unlock()
	return path != "" && path == stdinSpool.path
}

// removeSpool removes the copy of standard input, if any.
func removeSpool() {
	stdinSpool.Lock()
	defer stdinSpool.Unlock()
	if stdinSpool.dir != "" {
		os.RemoveAll(stdinSpool.dir)
		stdinSpool.dir, stdinSpool.path = "", ""
	}
}
