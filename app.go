package main

import (
	"detector/bpftrace"
	"detector/report"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"detector/pipeline"
	"detector/samples"
	"detector/sandbox"
	"detector/trace"
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

// Flags shared by several commands.

// modelFlag is --model. $DETECTOR_MODEL is read by modelPath, not bound
// to the flag, so that a flag is "set" only when it is on the command line
// (see flagsBeforeCommand).
func modelFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "model",
		Usage: "model file `FILE` (default: $DETECTOR_MODEL, else $XDG_DATA_HOME/detector/model.gob or ~/.local/share/detector/model.gob)",
	}
}

func inputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "input", Value: "auto", Usage: "what the paths hold: `KIND` auto, exec, strace, adfa or csv (train also takes proc: the live process table)"},
		&cli.StringFlag{Name: "arch", Value: "i386", Usage: "syscall numbering of ADFA-LD traces: `ARCH` i386 or x86_64"},
	}
}

func execFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "jobs", Value: runtime.NumCPU(), DefaultText: "the number of CPUs", Usage: "samples processed at once"},
		&cli.DurationFlag{Name: "timeout", Value: defaultTimeout, Usage: "wall-clock limit per executed sample"},
		&cli.StringFlag{Name: "max-trace", Value: "256MiB", Usage: "stop a run whose trace exceeds `SIZE`; a recorded strace log or ADFA-LD trace (plain or decompressed) larger than SIZE is an error"},
		&cli.StringFlag{Name: "max-memory", Value: "2GiB", Usage: "bound the memory of each run, all its processes together, to `SIZE`"},
		&cli.BoolFlag{Name: "no-sandbox", Usage: "run executables WITHOUT isolation (only for programs you trust)"},
		tracerFlag("executables", ""),
	}
}

// traceRecording names how executed samples are recorded, as models keep
// it: strace's options, or "ebpf".
func traceRecording(tracer string) string {
	if tracer == "ebpf" {
		return "ebpf"
	}
	return "strace " + sandbox.TraceOptions
}

// tracerFlag is --tracer, auto by default: the eBPF tracer where it loads,
// strace elsewhere.
// what names what is traced; note, if any, ends the usage.
func tracerFlag(what, note string) cli.Flag {
	usage := "trace " + what + " with `TRACER` auto (ebpf where it loads, else strace; the choice is said on stderr), " +
		"strace, or ebpf (the kernel's view: root or CAP_BPF+CAP_PERFMON)"
	if note != "" {
		usage += "; " + note
	}
	return &cli.StringFlag{Name: "tracer", Value: "auto", Usage: usage}
}

// resolveTracer reads --tracer: "strace" or "ebpf", checked now, or, for
// auto, "" and a function that chooses when the first executable is
// about to run (see chooseTracer).
func resolveTracer(c *cli.Context) (string, func() (string, error), error) {
	switch t := c.String("tracer"); t {
	case "strace":
		return "strace", nil, nil
	case "ebpf":
		if c.Bool("no-sandbox") {
			return "", nil, withHint(errors.New("--tracer ebpf follows the sandbox's processes: it cannot run with --no-sandbox"), "drop --no-sandbox, or trace with strace")
		}
		// Checked once here, so that no sample is read in vain.
		if err := bpftrace.Check(); err != nil {
			return "", nil, withHint(err, "--tracer strace needs no privilege")
		}
		return "ebpf", nil, nil
	case "auto", "":
		noSandbox := c.Bool("no-sandbox")
		return "", func() (string, error) { return chooseTracer(noSandbox), nil }, nil
	default:
		return "", nil, withHint(fmt.Errorf("unknown tracer %q", t), "--tracer takes auto, strace or ebpf")
	}
}

// tracerChoice is --tracer auto's choice, made once per run.
var tracerChoice struct {
	sync.Once
	tracer string
}

// chooseTracer makes --tracer auto's choice: ebpf when the tracer loads
// here and the sandbox runs (the eBPF tracer follows its processes), else
// strace. It says which on stderr, once, with the reason for strace.
func chooseTracer(noSandbox bool) string {
	tracerChoice.Do(func() {
		why := ""
		if noSandbox {
			why = "it follows the sandbox's processes, and --no-sandbox runs none"
		} else if err := bpftrace.Check(); err != nil {
			why = err.Error()
		}
		if why == "" {
			tracerChoice.tracer = "ebpf"
			fmt.Fprintln(os.Stderr, "detector: tracing with eBPF")
			return
		}
		tracerChoice.tracer = "strace"
		fmt.Fprintf(os.Stderr, "detector: tracing with strace (eBPF unavailable: %s)\n", report.Escape(oneLine(why)))
	})
	return tracerChoice.tracer
}

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

// sampleOptions gathers the flags that say how to read samples.
func sampleOptions(c *cli.Context) (pipeline.Options, error) {
	o := pipeline.Options{Jobs: c.Int("jobs"), Warn: warnf}
	var err error
	if o.Kind, err = samples.ParseKind(c.String("input")); err != nil {
		return o, withHint(err, "--input takes auto, exec, strace, adfa or csv")
	}
	if o.Arch, err = trace.ParseArch(c.String("arch")); err != nil {
		return o, withHint(err, "--arch takes i386 or x86_64")
	}
	if o.Jobs < 1 {
		return o, fmt.Errorf("--jobs must be at least 1, not %d", o.Jobs)
	}
	o.Run.Timeout = c.Duration("timeout")
	if o.Run.Timeout <= 0 {
		return o, fmt.Errorf("--timeout must be positive, not %s", o.Run.Timeout)
	}
	if o.Run.MaxTrace, err = parseSize(c.String("max-trace")); err != nil {
		return o, fmt.Errorf("--max-trace: %w", err)
	}
	if o.Run.MaxMemory, err = parseMemory(c.String("max-memory")); err != nil {
		return o, err
	}
	o.Run.NoSandbox = c.Bool("no-sandbox")
	if o.Run.Tracer, o.ChooseTracer, err = resolveTracer(c); err != nil {
		return o, err
	}
	if err := addCommands(c, &o); err != nil {
		return o, err
	}
	return o, nil
}

// parseMemory reads --max-memory: a size of at least sandbox.MinMaxMemory.
func parseMemory(s string) (int64, error) {
	n, err := parseSize(s)
	if err != nil {
		return 0, fmt.Errorf("--max-memory: %w", err)
	}
	if n < sandbox.MinMaxMemory {
		return 0, fmt.Errorf("--max-memory: %s is below the minimum of %dMiB", s, sandbox.MinMaxMemory>>20)
	}
	return n, nil
}

// parseSize reads a byte count such as 4096, 64KiB, 256MiB or 1GiB.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (like 4096, 64KiB, 256MiB)", s)
	}
	return n * mult, nil
}

// checkPaths refuses flags given after the paths: the flag parser stops at
// the first path, so "detect DIR --output json" would treat --output as a
// path.
func checkPaths(c *cli.Context, cmd string, args []string) error {
	if len(args) == 0 && !hasCommands(c) {
		return withHint(fmt.Errorf("%s needs at least one PATH, --commands FILE or -- CMD ARGS", cmd), fmt.Sprintf("run 'detector %s --help' for usage", cmd))
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			return withHint(fmt.Errorf("flag %s after the paths", a), fmt.Sprintf("put flags before the paths: detector %s [flags] PATH...", cmd))
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a != "-" })); n > 1 {
		return withHint(errors.New("standard input (-) given twice"), "give - once")
	}
	return nil
}
