package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"detector/internal/safefile"
	"detector/model"
	"detector/profile"
	"detector/report"
)

func modelCommand() *cli.Command {
	return &cli.Command{
		Name:  "model",
		Usage: "work on model files",
		Subcommands: []*cli.Command{{
			Name:      "merge",
			Usage:     "union two profile models with their counts into one (learn per host, merge centrally)",
			ArgsUsage: "A.gob B.gob -o C.gob [--force]",
			Description: "-o, --output FILE  write the merged model to FILE (atomically; never over a folder, device, FIFO or symlink)\n" +
				"--force            replace the output file even if it is not a detector model\n" +
				"Options may come before or after the model files.",
			// Flags are read by runModelMerge, anywhere on the line.
			SkipFlagParsing: true,
			Action:          runModelMerge,
		}},
	}
}

// mergeArgs reads model merge's command line: two model files, -o FILE
// (or --output FILE, -o=FILE, --output=FILE) and --force, in any order.
func mergeArgs(args []string) (files []string, out string, force bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "--output" || a == "-output":
			if i+1 >= len(args) {
				return nil, "", false, fmt.Errorf("%s needs a file name", a)
			}
			i++
			out = args[i]
		case strings.HasPrefix(a, "-o=") || strings.HasPrefix(a, "--output="):
			_, out, _ = strings.Cut(a, "=")
		case a == "--force" || a == "-force":
			force = true
		case a == "-h" || a == "--help":
			return nil, "", false, errHelp
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && a != "-":
			return nil, "", false, fmt.Errorf("model merge: unknown option %s", a)
		default:
			files = append(files, a)
		}
	}
	if len(files) != 2 {
		return nil, "", false, fmt.Errorf("model merge takes two model files, not %d", len(files))
	}
	if out == "" {
		return nil, "", false, errors.New("model merge needs -o FILE, the merged model's path")
	}
	return files, out, force, nil
}

var errHelp = errors.New("help")

func runModelMerge(c *cli.Context) error {
	files, out, force, err := mergeArgs(c.Args().Slice())
	if errors.Is(err, errHelp) {
		return cli.ShowSubcommandHelp(c)
	}
	if err != nil {
		return withHint(err, "detector model merge A.gob B.gob -o C.gob")
	}
	switch err := model.CheckSaveTarget(out, force); {
	case err == nil:
	case errors.Is(err, model.ErrNotModel):
		return withHint(err, "add --force to overwrite it, or name another file with -o")
	case errors.Is(err, safefile.ErrNotRegular):
		return withHint(fmt.Errorf("output path: %w", err), "name a regular file or a new path with -o")
	default:
		return fmt.Errorf("output path: %w", err)
	}
	a, err := loadModelAt(files[0])
	if err != nil {
		return err
	}
	b, err := loadModelAt(files[1])
	if err != nil {
		return err
	}
	m, err := model.Merge(a, b, time.Now())
	if errors.Is(err, profile.ErrKeys) {
		return withHint(fmt.Errorf("merge %s and %s: %w", files[0], files[1], err), "train both with the same --key")
	}
	if errors.Is(err, model.ErrNotMergeable) {
		return withHint(fmt.Errorf("merge %s and %s: %w", files[0], files[1], err), "train both with --algorithm profile on the same kind of input")
	}
	if err != nil {
		return fmt.Errorf("merge %s and %s: %w", files[0], files[1], err)
	}
	save := model.Save
	if force {
		save = model.SaveForce
	}
	if err := save(out, m); err != nil {
		if errors.Is(err, safefile.ErrNotRegular) {
			return withHint(fmt.Errorf("save model: %w", err), "name a regular file or a new path with -o")
		}
		return fmt.Errorf("save model: %w", err)
	}
	fmt.Fprintf(os.Stderr, "detector: merged %d and %d training samples; model saved to %s\n", a.Samples, b.Samples, report.Escape(out))
	return nil
}
