package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

func newApp() *cli.App {
	app := &cli.App{
		Name:      "detector",
		Usage:     "find programs whose system-call behaviour is abnormal",
		Version:   versionText(),
		UsageText: "detector train [flags] PATH...\ndetector detect [flags] PATH...\ndetector --train DIR [flags]\ndetector --detect DIR [flags]",
		Description: "Train on benign samples, then detect anomalous ones. A sample is an executable " +
			"(run in a sandbox under the eBPF tracer where it loads, else strace), an strace log, an ADFA-LD trace or a feature table (.csv). " +
			"The options below serve --train DIR and --detect DIR; with a command, give its flags after it: " +
			"detector train --model FILE PATH... (see detector COMMAND --help).",
		// The seed's spelling: --train DIR and --detect DIR with the
		// subcommands' flags.
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "train", Usage: "train on the samples in `DIR` (like the train command)"},
			&cli.StringFlag{Name: "detect", Usage: "judge the samples in `DIR` (like the detect command)"},
		}, union(trainFlags(), detectFlags())...),
		Action:                 rootAction,
		HideHelpCommand:        true,
		UseShortOptionHandling: false,
		// A path may hold a comma: --attack 'attacks,2024' is one path.
		DisableSliceFlagSeparator: true,
		Commands: []*cli.Command{
			trainCommand(),
			detectCommand(),
			featuresCommand(),
			inspectCommand(),
			evaluateCommand(),
			traceCommand(),
			monitorCommand(),
			completionCommand(),
			rulesCommand(),
			manCommand(),
			modelCommand(),
		},
		// Errors are printed once, by main, as one line.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError(c, err, "run 'detector --help' for usage")
		},
	}
	app.Writer = os.Stdout
	app.ErrWriter = os.Stderr
	for _, cmd := range app.Commands {
		cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error {
			return usageError(c, err, fmt.Sprintf("run 'detector %s --help' for usage", c.Command.Name))
		}
		cmd.Before = flagsBeforeCommand
	}
	return app
}

func rootAction(c *cli.Context) error {
	train, detect := c.String("train"), c.String("detect")
	switch {
	case train != "" && detect != "":
		return withHint(fmt.Errorf("--train and --detect are two runs"), "train first, then detect with a second command")
	case train != "":
		return runTrain(c, append([]string{train}, c.Args().Slice()...))
	case detect != "":
		return runDetect(c, append([]string{detect}, c.Args().Slice()...))
	case c.Args().Present():
		return withHint(fmt.Errorf("unknown command %q", c.Args().First()), "run 'detector --help' for the commands")
	}
	if names := c.LocalFlagNames(); len(names) > 0 {
		return withHint(fmt.Errorf("flag --%s without --train DIR, --detect DIR or a command", names[0]),
			"run 'detector --help' for usage")
	}
	return cli.ShowAppHelp(c)
}

// flagsBeforeCommand refuses flags given before a command name, as in
// "detector --model M train DIR": the top-level flags serve only the
// --train DIR and --detect DIR spelling, and a command would silently
// ignore them.
func flagsBeforeCommand(c *cli.Context) error {
	lin := c.Lineage()
	if len(lin) < 2 || lin[1] == nil {
		return nil
	}
	names := lin[1].LocalFlagNames()
	if len(names) == 0 {
		return nil
	}
	cmd, n := c.Command.Name, names[0]
	return withHint(fmt.Errorf("flag --%s before the command %s", n, cmd),
		fmt.Sprintf("put flags after the command: detector %s --%s ...", cmd, n))
}

var flagValueError = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]+): (.*)$`)

// usageError rewrites the flag package's messages about a flag's value
// ("invalid value "5" for flag -timeout: parse error") to say what the
// flag takes, with the flag spelled as it is typed.
func usageError(c *cli.Context, err error, hint string) error {
	m := flagValueError.FindStringSubmatch(err.Error())
	if m == nil {
		if n, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			return withHint(fmt.Errorf("unknown flag --%s", n), hint)
		}
		return withHint(err, hint)
	}
	value, name := m[1], m[2]
	var flags []cli.Flag
	if c.Command != nil && c.Command.Name != "" {
		flags = c.Command.Flags
	} else {
		flags = c.App.Flags
	}
	want := m[3]
	for _, f := range flags {
		if f.Names()[0] != name {
			continue
		}
		switch f.(type) {
		case *cli.DurationFlag:
			want = "want a duration with a unit, like 5s, 1m30s or 2h"
		case *cli.IntFlag:
			want = "want a whole number"
		case *cli.Float64Flag:
			want = "want a number"
		case *cli.BoolFlag:
			want = "want true or false"
		}
	}
	return withHint(fmt.Errorf("--%s %q: %s", name, value, want), hint)
}

// union joins flag lists, keeping the first of flags that share a name.
func union(lists ...[]cli.Flag) []cli.Flag {
	seen := map[string]bool{}
	var out []cli.Flag
	for _, l := range lists {
		for _, f := range l {
			if n := f.Names()[0]; !seen[n] {
				seen[n] = true
				out = append(out, f)
			}
		}
	}
	return out
}
