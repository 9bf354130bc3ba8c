package main

import (
	"runtime"

	"github.com/urfave/cli/v2"
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
