package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"detector/features"
	"detector/logsink"
	"detector/model"
	"detector/monitor"
	"detector/report"
	"detector/rules"
)

func monitorCommand() *cli.Command {
	return &cli.Command{
		Name:      "monitor",
		Usage:     "watch live processes: behaviour rules in real time and the model's score per process, logged as JSON lines",
		ArgsUsage: "[-- CMD ARGS...]",
		Flags: append(append([]cli.Flag{
			&cli.StringFlag{Name: "source", Value: "auto", Usage: "what to watch with: `SOURCE` ebpf (every process, in the kernel; root or CAP_BPF+CAP_PERFMON), strace (a process tree: --pid or -- CMD), proc (the process table, any user, no system calls) or auto (strace with --pid or a command, else ebpf when it loads, else proc)"},
			&cli.IntFlag{Name: "pid", Usage: "trace the running process `PID` and the children it starts (strace source)"},
			&cli.StringSliceFlag{Name: "model", Usage: "score processes with the model in `FILE`: one trained on executables or strace logs scores each program's calls and each job's; one trained with --input proc scores each process's metrics at every --poll (proc and ebpf sources); give both with --model twice; none by default"},
			&cli.DurationFlag{Name: "score-every", Value: 30 * time.Second, Usage: "score a live process again every `D` once it has made --min-calls calls (and when it exits)"},
			&cli.IntFlag{Name: "min-calls", Value: 200, Usage: "score a process once it has made `N` calls"},
			durationFlag(0, "until the traced tree ends, or SIGINT/SIGTERM"),
			pollFlag(),
			&cli.StringFlag{Name: "ring-size", Value: "8MiB", Usage: "ebpf source: the ring buffer's `SIZE` (a power of two of at least 4KiB); events that find it full are lost and logged as drop records"},
			&cli.BoolFlag{Name: "processes", Usage: "ebpf source: also log a \"process\" record for every process that ends, with its call counts"},
			&cli.StringFlag{Name: "metrics", Usage: "serve Prometheus metrics at http://`ADDR`/metrics (HOST:PORT, for example 127.0.0.1:9464; the README lists them)"},
			&cli.DurationFlag{Name: "learn", Usage: "learn the host's program profiles for `D` (ebpf source, or strace with --pid or a command), write them as a profile model to the FILE of --model and exit; SIGINT/SIGTERM end learning early and write what was learned; a host-learned model already in FILE is merged with what is learned"},
			&cli.BoolFlag{Name: "include-self", Usage: "ebpf source: judge detector's own processes and sandboxes too (left out in the kernel by default)"},
		}, rulesFlags()...), alertLogFlags()...),
		Action: runMonitor,
	}
}

func runMonitor(c *cli.Context) error {
	if c.Args().Present() {
		return withHint(fmt.Errorf("unexpected argument %q", c.Args().First()), "give the command to run after --: detector monitor -- CMD ARGS")
	}
	pid, argv := c.Int("pid"), invocation
	if pid != 0 && len(argv) > 0 {
		return withHint(errors.New("--pid and a command are two ways to pick what to trace"), "give one of them")
	}
	if pid < 0 {
		return fmt.Errorf("--pid must be a process id, not %d", pid)
	}
	if pid > 0 {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return withHint(fmt.Errorf("--pid %d: no such process", pid), "give the pid of a running process")
		}
	}
	source, announce := c.String("source"), false
	switch source {
	case "auto":
		source = "ebpf"
		if pid > 0 || len(argv) > 0 {
			source = "strace"
		}
		announce = true
	case "strace":
		if pid == 0 && len(argv) == 0 {
			return withHint(errors.New("--source strace traces a process tree"), "give --pid PID or -- CMD ARGS")
		}
	case "proc", "ebpf":
		if pid != 0 || len(argv) > 0 {
			return withHint(fmt.Errorf("--source %s watches every process; --pid and a command need --source strace", source), "drop --pid and the command, or use --source strace")
		}
	default:
		return withHint(fmt.Errorf("unknown source %q", source), "--source takes auto, ebpf, strace or proc")
	}
	for _, f := range []string{"score-every", "duration", "poll"} {
		if d := c.Duration(f); d < 0 || (d == 0 && f != "duration") {
			return withHint(fmt.Errorf("--%s must be positive, not %s", f, d), "for example --"+f+" 30s")
		}
	}
	ring, err := parseSize(c.String("ring-size"))
	if err != nil || ring < 4096 || ring&(ring-1) != 0 || ring > 1<<30 {
		return withHint(fmt.Errorf("--ring-size %q is not a power of two from 4KiB to 1GiB", c.String("ring-size")), "for example --ring-size 1MiB")
	}
	if n := c.Int("min-calls"); n < 1 {
		return fmt.Errorf("--min-calls must be at least 1, not %d", n)
	}

	cfg := monitor.Config{ScoreEvery: c.Duration("score-every"), MinCalls: c.Int("min-calls"), Source: source, Warn: warnf}
	learn, err := learnTarget(c, source)
	if err != nil {
		return err
	}
	var procModel *model.Model
	for _, f := range c.StringSlice("model") {
		if learn != nil {
			break // --model names the file to write
		}
		m, err := loadModelAt(f)
		if err != nil {
			return err
		}
		if m.Input == "proc" {
			if procModel != nil {
				return withHint(errors.New("two models of process metrics"), "give at most one model of each kind")
			}
			if source == "strace" {
				return withHint(errors.New("a model of process metrics scores every process of the host: it serves the proc and ebpf sources, not strace"),
					"drop it, or watch with --source proc or ebpf")
			}
			procModel = m
			continue
		}
		if err := monitorModel(m); err != nil {
			return err
		}
		if cfg.Model != nil {
			return withHint(errors.New("two models of system calls"), "give at most one model of each kind")
		}
		warnOriginForHost(m, f)
		cfg.Model = m
	}
	if learn != nil {
		cfg.Learn = monitor.NewLearner(c.Duration("learn"), nil)
	}
	if !slices.Contains(c.StringSlice("rules"), "off") {
		set, allow, err := loadRules(c)
		if err != nil {
			return err
		}
		pkgs := rules.NewPackageDB("")
		if set.UsesPackages() {
			pkgs.Preload()
		}
		cfg.Rules, cfg.Allow, cfg.Packages = set, allow, pkgs
	} else if len(c.StringSlice("rules")) > 1 {
		return withHint(fmt.Errorf("--rules off cannot be combined with rule files"), "give either --rules off or --rules FILE...")
	}
	if !c.IsSet("log") {
		if err := c.Set("log", "-"); err != nil {
			return err
		}
	}
	if addr := c.String("metrics"); addr != "" {
		stop, err := serveMetrics(addr, &cfg)
		if err != nil {
			return err
		}
		defer stop()
	}
	log, err := openAlertLog(c, cfg.Metrics.Record)
	if err != nil {
		return err
	}
	cfg.Log = log
	defer reopenOnHangup(log, c.String("log"))()
	// SIGTERM (systemctl stop) leaves the monitor this long to drain its
	// queue and flush its log, on a busy machine too.
	stopGrace.Store(int64(monitorStopGrace))
	if learn != nil {
		stopGrace.Store(int64(learnStopGrace))
	}

	ctx := c.Context
	if d := c.Duration("learn"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
		fmt.Fprintf(os.Stderr, "detector: monitor: learning for %s into %s\n", d, report.Escape(learn.path))
	}
	if d := c.Duration("duration"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	// A model of process metrics scores every process beside the source.
	var scored chan error
	stopScorer := func() {}
	if procModel != nil {
		ps, err := monitor.NewProcScorer(cfg, procModel)
		if err != nil {
			log.Close()
			return err
		}
		scored = make(chan error, 1)
		sctx, stop := context.WithCancel(ctx)
		stopScorer = stop
		go func() { scored <- ps.Run(sctx, c.Duration("poll")) }()
	}
	var runErr error
	status := 0
	if source == "ebpf" {
		ready := func() { fmt.Fprintln(os.Stderr, "detector: monitor: source ebpf: probes attached") }
		runErr = monitor.RunEBPF(ctx, cfg, monitor.EBPFOptions{RingSize: int(ring), Processes: c.Bool("processes"), IncludeSelf: c.Bool("include-self"), Ready: ready})
		var un *monitor.UnavailableError
		if announce && learn == nil && errors.As(runErr, &un) {
			warnf("the ebpf source cannot run here (%v); falling back to proc, which sees no system calls", un.Err)
			source, cfg.Source, runErr = "proc", "proc", nil
		} else if runErr != nil && errors.As(runErr, &un) {
			runErr = withHint(runErr, "the ebpf source needs root (or CAP_BPF and CAP_PERFMON); --source proc needs no privilege")
		}
	} else if announce {
		fmt.Fprintf(os.Stderr, "detector: monitor: source %s\n", source)
	}
	switch source {
	case "proc":
		w, err := monitor.NewProcWatcher(cfg, "")
		if err != nil {
			log.Close()
			return err
		}
		runErr = w.Run(ctx, c.Duration("poll"))
	case "strace":
		name := strings.Join(argv, " ")
		if pid > 0 {
			name = "pid " + strconv.Itoa(pid)
		}
		s := monitor.NewStream(cfg, name)
		sctx, stop := context.WithCancel(ctx)
		go monitor.ScoreLoop(sctx, cfg.ScoreEvery, s, warnf)
		status, runErr = monitor.RunStrace(ctx, monitor.StraceOptions{Pid: pid, Argv: argv, Stdout: os.Stderr, Stderr: os.Stderr}, s)
		stop()
	}
	stopScorer()
	if scored != nil {
		if err := <-scored; runErr == nil {
			runErr = err
		}
	}
	if err := log.Close(); runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return runErr
	}
	if learn != nil {
		return learn.write(c, cfg.Learn, source)
	}
	if c.Context.Err() != nil {
		// SIGINT or SIGTERM is how a monitor is stopped: a clean end.
		fmt.Fprintln(os.Stderr, "detector: monitor: stopped by a signal; log flushed")
	}
	if len(argv) > 0 && status > 0 {
		return exitStatus(status)
	}
	return nil
}

// monitorStopGrace bounds the monitor's clean stop after SIGTERM or
// SIGINT; the unit file's TimeoutStopSec is longer.
const monitorStopGrace = 20 * time.Second

// serveMetrics serves the monitor's metrics at addr until stop is
// called; it says where on stderr (the port :0 chose, too).
func serveMetrics(addr string, cfg *monitor.Config) (stop func(), err error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, withHint(fmt.Errorf("--metrics %s: %w", addr, err), "give HOST:PORT, for example --metrics 127.0.0.1:9464")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, withHint(fmt.Errorf("--metrics: %w", err), "give a free HOST:PORT, for example --metrics 127.0.0.1:9464")
	}
	cfg.Metrics = monitor.NewMetrics()
	mux := http.NewServeMux()
	mux.Handle("/metrics", cfg.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(os.Stderr, "detector: monitor: metrics on http://%s/metrics\n", ln.Addr())
	return func() { srv.Close() }, nil
}

// reopenOnHangup reopens the log file on SIGHUP, as logrotate expects
// once it has renamed the file, until the returned function is called. A
// log that is not a file has nothing to reopen: SIGHUP is ignored.
func reopenOnHangup(log *rules.AlertLog, name string) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
			}
			if name == "-" || logsink.IsSpec(name) {
				continue
			}
			if err := log.Reopen(); err != nil {
				warnf("SIGHUP: %v; the log goes on in the file it had", err)
				continue
			}
			fmt.Fprintln(os.Stderr, "detector: monitor: SIGHUP: log reopened")
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}

// monitorModel refuses a model that does not describe live processes: one
// trained on feature tables or ADFA-LD traces, whose numbers come from
// other recordings.
func monitorModel(m *model.Model) error {
	if !slices.Equal(m.FeatureNames, features.Names) {
		return withHint(errors.New("the model was trained on a feature table with other features: monitoring needs a model of system calls"),
			"train one on executables or strace logs: detector train --commands FILE, or PATH...")
	}
	for _, k := range strings.Split(m.Input, ",") {
		switch k {
		case "exec", "strace", "host":
		case "auto":
			if m.TraceOptions == "" {
				return withHint(errors.New("the model does not say it was trained on executables or strace logs"),
					"train it again on executables or strace logs")
			}
		default:
			return withHint(fmt.Errorf("the model was trained on %s input: its numbers come from other recordings than live processes", report.Escape(m.Input)),
				"train one on executables or strace logs: detector train --commands FILE, or PATH...")
		}
	}
	if digestKeyed(m) {
		return withHint(errors.New("the profile model keys programs by their executable's sha256, and monitor knows a live program by its path"),
			"monitor with a model trained with --key path (the default)")
	}
	return nil
}
