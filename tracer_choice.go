package main

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/urfave/cli/v2"

	"detector/bpftrace"
	"detector/report"
	"detector/sandbox"
)

// traceRecording names how executed samples are recorded, as models keep
// it: strace's options, or "ebpf".
func traceRecording(tracer string) string {
	if tracer == "ebpf" {
		return "ebpf"
	}
	return "strace " + sandbox.TraceOptions
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
