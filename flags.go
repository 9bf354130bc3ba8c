package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"detector/sandbox"
)

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

// execFlags are the flags of the commands that run samples.
func execFlags() []cli.Flag {
	return append(append([]cli.Flag{
		&cli.IntFlag{Name: "jobs", Value: runtime.NumCPU(), DefaultText: "the number of CPUs", Usage: "samples processed at once"},
	}, runFlags()...), tracerFlag("executables", ""))
}

// runFlags are the limits and the isolation of a sandboxed run: every
// executed sample's, and trace's command's. runOptions reads them.
func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "timeout", Value: defaultTimeout, Usage: "stop each run of a command after `D` of wall-clock time"},
		&cli.StringFlag{Name: "max-trace", Value: "256MiB", Usage: "stop a run whose trace exceeds `SIZE`; a recorded strace log or ADFA-LD trace (plain or decompressed) larger than SIZE is an error"},
		&cli.StringFlag{Name: "max-memory", Value: "2GiB", Usage: "bound the memory of each run, all its processes together, to `SIZE`"},
		&cli.BoolFlag{Name: "no-sandbox", Usage: "run commands WITHOUT isolation (only for programs you trust)"},
	}
}

// runOptions reads runFlags; the tracer is left for resolveTracer.
func runOptions(c *cli.Context) (sandbox.RunOptions, error) {
	ro := sandbox.RunOptions{Timeout: c.Duration("timeout"), NoSandbox: c.Bool("no-sandbox")}
	if ro.Timeout <= 0 {
		return ro, fmt.Errorf("--timeout must be positive, not %s", ro.Timeout)
	}
	var err error
	if ro.MaxTrace, err = parseSize(c.String("max-trace")); err != nil {
		return ro, fmt.Errorf("--max-trace: %w", err)
	}
	if ro.MaxMemory, err = parseMemory(c.String("max-memory")); err != nil {
		return ro, err
	}
	return ro, nil
}

// durationFlag is --duration: how long monitor watches and train --input
// proc samples the process table; def is the command's default, defText
// how its help shows a default of 0.
func durationFlag(def time.Duration, defText string) cli.Flag {
	return &cli.DurationFlag{Name: "duration", Value: def, DefaultText: defText,
		Usage: "stop watching after `D`; monitor watches the processes, train --input proc samples the process table"}
}

// pollFlag is --poll: how often the process table is read.
func pollFlag() cli.Flag {
	return &cli.DurationFlag{Name: "poll", Value: time.Second,
		Usage: "read the process table every `D`; monitor reads it with the proc source and for --input proc models, train with --input proc"}
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

// csvRawFlag is --csv-raw: CSV cells that begin like a spreadsheet formula
// are written exactly instead of with a leading single quote.
func csvRawFlag() cli.Flag {
	return &cli.BoolFlag{Name: "csv-raw", Usage: "csv: keep every string exact (by default a cell beginning with =, +, -, @, tab or carriage return, other than a number, gets a leading ' so a spreadsheet shows it as text)"}
}
