package main

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"detector/internal/digest"
	"detector/pipeline"
	"detector/report"
	"detector/rules"
	"detector/samples"
	"detector/trace"
)

// behaviour applies the behaviour rules to the samples of a detect run:
// an engine per traced sample, fed by the pipeline, then each sample's
// findings and severity, the alert log and the --fail-on status.
type behaviour struct {
	set    *rules.Set // nil: --rules off
	allow  *rules.AllowList
	pkgs   *rules.PackageDB
	log    *rules.AlertLog // nil without --log
	failOn rules.Severity  // rules.None: never
	// combine is the window of the escalation of two distinct WARNING
	// rules to ALERT: the alert log's cooldown (--cooldown).
	combine time.Duration
}

func behaviourFlags() []cli.Flag {
	return append(append(rulesFlags(), alertLogFlags()...),
		&cli.StringFlag{Name: "fail-on", Value: "WARNING", Usage: "exit 1 when a sample's severity (the rules' and the model's findings together) reaches `SEVERITY`: INFO, WARNING, ALERT or never"},
	)
}

// newBehaviour reads the rule, allow-list and log flags.
func newBehaviour(c *cli.Context) (*behaviour, error) {
	b := &behaviour{}
	switch f := strings.ToUpper(c.String("fail-on")); f {
	case "NEVER":
	default:
		sev, ok := rules.ParseSeverity(f)
		if !ok || sev == rules.None {
			return nil, withHint(fmt.Errorf("--fail-on %q is not a severity", c.String("fail-on")), "--fail-on takes INFO, WARNING, ALERT or never")
		}
		b.failOn = sev
	}
	if slices.Contains(c.StringSlice("rules"), "off") {
		if len(c.StringSlice("rules")) > 1 {
			return nil, withHint(fmt.Errorf("--rules off cannot be combined with rule files"), "give either --rules off or --rules FILE...")
		}
	} else {
		set, allow, err := loadRules(c)
		if err != nil {
			return nil, err
		}
		b.set, b.allow, b.pkgs = set, allow, rules.NewPackageDB("")
	}
	log, err := openAlertLog(c, nil)
	if err != nil {
		return nil, err
	}
	b.log = log
	if b.combine = c.Duration("cooldown"); b.combine <= 0 {
		b.combine = rules.DefaultCooldown
	}
	return b, nil
}

// consumers gives every traced sample (an executable or an strace log) a
// rules engine; ADFA-LD traces and CSV rows hold no arguments to judge.
func (b *behaviour) consumers(src samples.Source) []pipeline.Consumer {
	if b.set == nil || (src.Kind != samples.KindExec && src.Kind != samples.KindStrace) {
		return nil
	}
	if b.set.UsesPackages() {
		b.pkgs.Preload() // read while the sample starts
	}
	opts := rules.Options{Allow: b.allow, Packages: b.pkgs, Combine: b.combine}
	if b.allow != nil && b.allow.Len() > 0 && len(src.Paths) > 0 {
		opts.SampleSHA256 = digest.File(src.Paths[0])
	}
	return []pipeline.Consumer{&sampleClock{}, b.set.NewEngine(opts)}
}

// sampleClock keeps the time of a sample's first event, from which
// --explain counts the evidence's times.
type sampleClock struct {
	start time.Duration
	ok    bool
}

func (c *sampleClock) Event(e *trace.Event) error {
	if !c.ok {
		c.start, c.ok = e.Time()
	}
	return nil
}

// judge fills each row's findings and severity from its sample's engine
// and the model's verdict (a model-anomaly finding, see modelFinding),
// logs the alerts, and says whether any row reaches --fail-on. It warns
// once when no sample could be judged by rules at all.
func (b *behaviour) judge(t *pipeline.Table, rows []report.Row, algorithm string, threshold float64) (failing bool, err error) {
	judged := 0
	for i := range rows {
		r := &rows[i]
		var findings []rules.Finding
		for _, c := range t.Samples[i].Consumers {
			switch c := c.(type) {
			case *rules.Engine:
				findings = c.Findings()
				judged++
			case *sampleClock:
				r.Start, r.HasStart = c.start, c.ok
			}
		}
		if f, ok := modelEvidence(*r, algorithm, threshold); ok {
			findings = append(findings, f)
		}
		// Highest severity first; a rule before the model at the same one.
		slices.SortStableFunc(findings, func(x, y rules.Finding) int { return int(y.Severity) - int(x.Severity) })
		// The highest severity: two distinct WARNING rules within the
		// cooldown are the engine's ALERT finding (multiple-warnings);
		// the model's verdict is never combined.
		sev := rules.SampleSeverity(findings, false, 0)
		// The rules' and the model's findings come first; a detector's
		// own (a sequence model's worst window) stay after them.
		r.Severity, r.Findings = sev.String(), append(reportFindings(findings), r.Findings...)
		if b.failOn != rules.None && sev >= b.failOn {
			failing = true
		}
		if b.log != nil {
			if err := b.logAlerts(*r, t.Samples[i], findings, algorithm); err != nil {
				return failing, fmt.Errorf("write alert log: %w", err)
			}
		}
	}
	if b.set != nil && judged == 0 {
		warnf("no behaviour rules applied: these samples (ADFA-LD traces or feature tables) hold no system-call arguments")
	}
	if b.log != nil {
		if err := b.log.Close(); err != nil {
			return failing, fmt.Errorf("write alert log: %w", err)
		}
	}
	return failing, nil
}

// modelAnomaly is the rule id of the model's anomalous verdict.
const modelAnomaly = "model-anomaly"

// modelFinding is the model's anomalous verdict on a row as a finding:
// WARNING at a confidence of rules.ConfidentAnomaly or more, else INFO,
// its message the score and the top deviations.
func modelFinding(r report.Row, algorithm string, threshold float64) rules.Finding {
	sev := rules.Info
	if r.Confidence >= rules.ConfidentAnomaly {
		sev = rules.Warning
	}
	msg := fmt.Sprintf("the %s model scores it %+.3f, below %s (confidence %.2f, rarity %s)",
		algorithm, r.Score, strconv.FormatFloat(threshold, 'g', -1, 64), r.Confidence, report.RarityText(r.Rarity))
	if d := report.DeviationsText(r.Deviations); d != "" {
		msg += "; top deviations: " + d
	}
	return rules.Finding{Rule: modelAnomaly, Severity: sev, Count: 1, Message: msg}
}

// modelEvidence is the model's one finding on a row, if it has one: its
// anomalous verdict (modelFinding), or, for a model that explains itself
// by findings of its own (the profile detector's deviations, which the row
// lists), one finding that stands for them all, so that the model's
// evidence counts once in the row's severity, never once per deviation.
// It is as severe as the most severe of them, and at least as the verdict
// alone; a normal score with only INFO deviations is no finding.
func modelEvidence(r report.Row, algorithm string, threshold float64) (rules.Finding, bool) {
	own := report.ModelFindings(r)
	top := rules.None
	for _, f := range own {
		if s, ok := rules.ParseSeverity(f.Severity); ok && s > top {
			top = s
		}
	}
	anomalous := r.Verdict == report.Anomalous
	if len(own) == 0 {
		if !anomalous {
			return rules.Finding{}, false
		}
		return modelFinding(r, algorithm, threshold), true
	}
	if !anomalous && top < rules.Warning {
		return rules.Finding{}, false
	}
	sev := top
	var msg string
	if anomalous {
		f := modelFinding(r, algorithm, threshold)
		sev = max(sev, f.Severity)
		msg = fmt.Sprintf("the %s model scores it %+.3f, below %s (confidence %.2f)", algorithm, r.Score,
			strconv.FormatFloat(threshold, 'g', -1, 64), r.Confidence)
	} else {
		msg = fmt.Sprintf("the %s model scores it %+.3f, yet a deviation is %s", algorithm, r.Score, top)
	}
	// The alert log has this record alone for the model: it names the
	// first findings, as the table shows them.
	msg += fmt.Sprintf("; %d profile finding%s: ", len(own), plural(len(own)))
	for i, f := range own[:min(len(own), report.TopDeviations)] {
		if i > 0 {
			msg += " | "
		}
		msg += f.Severity + " " + f.Message
	}
	if n := len(own) - report.TopDeviations; n > 0 {
		msg += fmt.Sprintf(" (+%d more)", n)
	}
	return rules.Finding{Rule: modelAnomaly, Severity: sev, Count: 1, Message: msg}, true
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// logAlerts writes one alert per finding of a row, with the model's view.
func (b *behaviour) logAlerts(r report.Row, s pipeline.Sample, findings []rules.Finding, algorithm string) error {
	path := r.Sample
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	var sum string
	if len(findings) > 0 {
		sum = digest.File(r.Sample)
	}
	for _, f := range findings {
		a := rules.LogAlert{
			Rule: f.Rule, Severity: f.Severity, Sample: path, SampleSHA256: sum,
			Exe: f.Process.Exe, Process: &f.Process, Evidence: f.Evidence, Count: f.Count,
			Algorithm: algorithm, Verdict: r.Verdict,
		}
		switch f.Rule {
		case modelAnomaly:
			a.Kind, a.Process, a.Evidence, a.Message = "model", nil, []rules.Evidence{}, f.Message
		case rules.CombinedRule:
			a.Message = f.Message
		}
		if r.Verdict != report.Error {
			score, conf := r.Score, r.Confidence
			a.Score, a.Confidence = &score, &conf
		}
		if err := b.log.Alert(a); err != nil {
			return err
		}
	}
	return nil
}

// reportFindings converts the engine's findings for the report.
func reportFindings(fs []rules.Finding) []report.Finding {
	var out []report.Finding
	for _, f := range fs {
		rf := report.Finding{Rule: f.Rule, Severity: f.Severity.String(), Count: f.Count, Message: f.Message}
		if f.Rule != modelAnomaly {
			rf.Process = &report.Process{PID: f.Process.PID, PPID: f.Process.PPID, Exe: f.Process.Exe, Executed: f.Process.Executed, Argv: f.Process.Argv, Chain: f.Process.Chain}
		}
		for _, e := range f.Evidence {
			ev := report.Evidence{PID: e.PID, Syscall: e.Syscall, Path: e.Path, AsGiven: e.AsGiven, Rule: e.Rule}
			if e.Time != nil {
				ev.Time, ev.HasTime = secondsDuration(*e.Time), true
			}
			rf.Evidence = append(rf.Evidence, ev)
		}
		out = append(out, rf)
	}
	return out
}

// secondsDuration turns a trace's timestamp in seconds into a duration.
func secondsDuration(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }
