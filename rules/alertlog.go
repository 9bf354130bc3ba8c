package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultCooldown is the alert log's default cooldown window.
const DefaultCooldown = 60 * time.Second

// maxCooldownKeys bounds the open cooldown windows; past it the oldest
// window is closed (its summary written) early.
const maxCooldownKeys = 10000

// LogAlert is one finding to log, with what the SIEM needs around it.
type LogAlert struct {
	Rule         string
	Severity     Severity
	Sample       string // absolute path of the sample
	SampleSHA256 string
	Exe          string // executable the finding concerns; part of the cooldown key in live monitoring
	Process      *Process
	Evidence     []Evidence
	Count        int // matches this alert stands for (a finding's Count; 1 for a single live hit)
	Algorithm    string
	Score        *float64
	Confidence   *float64
	Verdict      string
	// Kind is "alert" (the default) for a rule's finding, "model" for a
	// model's anomalous verdict on a live process, "process" for a
	// process that ended (no cooldown).
	Kind string
	// Source names the live monitor's source (ebpf, strace, proc), "" for
	// detect; Syscalls is false when that source cannot see system calls.
	Source   string
	Syscalls *bool
	// Calls and Counts describe a process that ended (Kind "process"):
	// its number of calls and its call-name histogram.
	Calls  int64
	Counts map[string]int64
	// Outcome ("failed", "succeeded" or "" when unknown), UID (nil when
	// unknown) and Object (the resolved path or socket address the call
	// acted on, "" when none) tell hits of the same rule apart: within a
	// cooldown window only a hit that repeats all three of an earlier
	// logged hit is folded into the count.
	Outcome string
	UID     *int
	Object  string
	// Message says what the alert is about where the rule id and the
	// evidence do not: a model's score and its top deviations, the rules
	// an escalation (CombinedRule) combined.
	Message string
}

// LogRecord is one line of the alert log.
type LogRecord struct {
	Timestamp    string           `json:"timestamp"` // RFC 3339, UTC
	Host         string           `json:"host"`
	Tool         string           `json:"tool"`
	Version      string           `json:"version"`
	Kind         string           `json:"kind"` // "alert", "model", "process", "summary" (closing a cooldown window) or "drop" (events lost)
	Rule         string           `json:"rule"`
	Severity     Severity         `json:"severity"`
	Sample       string           `json:"sample"`
	SampleSHA256 string           `json:"sample_sha256"`
	Process      *Process         `json:"process"`
	Evidence     []Evidence       `json:"evidence"`
	Count        int              `json:"count"`
	First        string           `json:"first,omitempty"` // summary: time of the window's first alert
	Last         string           `json:"last,omitempty"`  // summary: time of its last alert
	Algorithm    string           `json:"algorithm"`
	Score        *float64         `json:"score"`
	Confidence   *float64         `json:"confidence"`
	Verdict      string           `json:"verdict"`
	Source       string           `json:"source,omitempty"`         // live monitoring: ebpf, strace or proc
	Syscalls     *bool            `json:"syscalls,omitempty"`       // live monitoring: whether the source sees system calls
	Lost         uint64           `json:"lost,omitempty"`           // drop: events lost since the last drop record
	Calls        int64            `json:"calls,omitempty"`          // process: calls the process made
	Counts       map[string]int64 `json:"counts,omitempty"`         // process: its call-name histogram
	Outcome      string           `json:"outcome,omitempty"`        // alert: "failed" or "succeeded", when known
	UID          *int             `json:"uid,omitempty"`            // alert: the process's uid, when known
	Object       string           `json:"object,omitempty"`         // alert: the path or address the call acted on
	Folded       int              `json:"folded_objects,omitempty"` // summary: hits on further objects folded into the count
	Message      string           `json:"message,omitempty"`        // model: the score and the top deviations; multiple-warnings: the rules combined
}

// LogOptions configure an AlertLog.
type LogOptions struct {
	Host, Tool, Version string
	// Cooldown is the window in which alerts of the same rule on the same
	// sample and executable, with the same outcome, uid and object, are
	// logged once (DefaultCooldown when 0; negative disables the cooldown).
	Cooldown time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Written, when set, is called under the log's lock after each
	// record is written whole (for metrics); it must not call the log.
	Written func(r *LogRecord)
}

// Sink receives the log's records one at a time, under the log's lock:
// r is the record and line its JSON encoding with the newline. A sink
// other than a file (the journal, syslog) uses it to carry the record's
// fields; an error stops the log, as a failed write does.
type Sink interface {
	WriteRecord(r *LogRecord, line []byte) error
	Close() error
}

// AlertLog writes alerts as JSON lines. The first alert of a rule on a
// sample (and executable) with a given outcome and uid is written at once,
// and so is the first on each further object (up to MaxWindowObjects per
// window); true repeats within the cooldown window are counted, and one
// summary record with the count of the whole window and its first and
// last times closes it: when an alert of the same key comes after the
// window, when the window of any key has expired at the next Alert call,
// and at Close. A failed attempt and a successful one, or the same call by
// another uid, are never folded together. Each record is one Write of one
// whole line under a mutex, so lines never interleave. It is safe for
// concurrent use.
type AlertLog struct {
	mu      sync.Mutex
	w       io.Writer
	c       io.Closer
	sink    Sink
	path    string // the file OpenAlertLog opened, for Reopen
	opts    LogOptions
	windows map[logKey]*logWindow
	err     error
}

type logKey struct {
	rule, sample, exe, outcome string
	uid                        int // -1 when unknown
}

// MaxWindowObjects bounds the objects of one cooldown window that are
// logged each with their evidence; hits on further objects are folded into
// the count, and the summary says how many were.
const MaxWindowObjects = 64

type logWindow struct {
	first, last time.Time
	count       int // matches in the window, the first alert's included
	folded      int // alerts folded into the count (not written)
	objects     map[string]bool
	overflow    int // alerts on objects past MaxWindowObjects
	base        LogAlert
}

// NewAlertLog returns a log writing to w.
func NewAlertLog(w io.Writer, opts LogOptions) *AlertLog {
	if opts.Cooldown == 0 {
		opts.Cooldown = DefaultCooldown
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Tool == "" {
		opts.Tool = "detector"
	}
	return &AlertLog{w: w, opts: opts, windows: map[logKey]*logWindow{}}
}

// NewSinkLog returns a log writing each record to s; Close closes s.
func NewSinkLog(s Sink, opts LogOptions) *AlertLog {
	l := NewAlertLog(nil, opts)
	l.sink = s
	return l
}

// OpenAlertLog opens (creating with mode 0600) the file name for
// appending, refusing anything but a regular file, and returns a log
// writing to it. "-" is standard output.
func OpenAlertLog(name string, opts LogOptions) (*AlertLog, error) {
	if name == "-" {
		return NewAlertLog(os.Stdout, opts), nil
	}
	f, err := openLogFile(name)
	if err != nil {
		return nil, err
	}
	l := NewAlertLog(f, opts)
	l.c, l.path = f, name
	return l, nil
}

// openLogFile opens name for appending, creating it with mode 0600; it
// refuses a symbolic link and anything but a regular file.
func openLogFile(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open alert log %s: %w", name, err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open alert log %s: %w", name, err)
	}
	return f, nil
}

// Reopen opens the log's file again by its name, as logrotate expects
// after it renamed the file (SIGHUP): records written before Reopen
// returns went to the old file, those after it to the new one, and none
// is lost between them. Open cooldown windows stay open. A log that is
// not a file (standard output, a sink) has nothing to reopen; a log whose
// file cannot be opened again keeps writing to the old one and returns
// the error.
func (l *AlertLog) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.path == "" || l.c == nil {
		return nil
	}
	f, err := openLogFile(l.path)
	if err != nil {
		return err
	}
	old := l.c
	l.w, l.c = f, f
	if err := old.Close(); err != nil && l.err == nil {
		l.err = fmt.Errorf("close rotated alert log %s: %w", l.path, err)
	}
	return nil
}

// Cooldown is the log's cooldown window (DefaultCooldown for a nil log;
// negative when the cooldown is off).
func (l *AlertLog) Cooldown() time.Duration {
	if l == nil {
		return DefaultCooldown
	}
	return l.opts.Cooldown
}

// Alert logs a, subject to the cooldown.
func (l *AlertLog) Alert(a LogAlert) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	now := l.opts.Now()
	if a.Count < 1 {
		a.Count = 1
	}
	if l.opts.Cooldown < 0 || a.Kind == "process" {
		return l.write(l.record(a, now, "alert", a.Count))
	}
	l.expire(now)
	k := logKey{a.Rule, a.Sample, a.Exe, a.Outcome, -1}
	if a.UID != nil {
		k.uid = *a.UID
	}
	if w := l.windows[k]; w != nil {
		w.count += a.Count
		w.last = now
		if !w.objects[a.Object] {
			if len(w.objects) < MaxWindowObjects {
				w.objects[a.Object] = true
				return l.write(l.record(a, now, "alert", a.Count))
			}
			w.overflow++
		}
		w.folded++
		return nil
	}
	if len(l.windows) >= maxCooldownKeys {
		l.closeOldest()
	}
	l.windows[k] = &logWindow{first: now, last: now, count: a.Count, objects: map[string]bool{a.Object: true}, base: a}
	return l.write(l.record(a, now, "alert", a.Count))
}

// expire closes the windows older than the cooldown.
func (l *AlertLog) expire(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.first) >= l.opts.Cooldown {
			l.closeWindow(k, w)
		}
	}
}

func (l *AlertLog) closeOldest() {
	var ok logKey
	var ow *logWindow
	for k, w := range l.windows {
		if ow == nil || w.first.Before(ow.first) {
			ok, ow = k, w
		}
	}
	if ow != nil {
		l.closeWindow(ok, ow)
	}
}

// closeWindow writes the summary of a window that held more than its
// first alert, and forgets it.
func (l *AlertLog) closeWindow(k logKey, w *logWindow) {
	delete(l.windows, k)
	if w.folded == 0 {
		return
	}
	r := l.record(w.base, w.last, "summary", w.count)
	r.Folded = w.overflow
	if w.overflow > 0 {
		r.Object = ""
	}
	r.First = w.first.UTC().Format(time.RFC3339Nano)
	r.Last = w.last.UTC().Format(time.RFC3339Nano)
	l.write(r)
}

func (l *AlertLog) record(a LogAlert, t time.Time, kind string, count int) *LogRecord {
	ev := a.Evidence
	if ev == nil {
		ev = []Evidence{}
	}
	if a.Source != "" {
		// Live monitoring: times from the epoch, also written as people
		// and SIEMs read them.
		ev = slices.Clone(ev)
		for i, e := range ev {
			if e.Time != nil {
				ev[i].At = time.Unix(0, int64(math.Round(*e.Time*1e6))*1e3).UTC().Format(time.RFC3339Nano)
			}
		}
	}
	if kind == "alert" && a.Kind != "" {
		kind = a.Kind
	}
	return &LogRecord{
		Source: a.Source, Syscalls: a.Syscalls, Calls: a.Calls, Counts: a.Counts,
		Timestamp: t.UTC().Format(time.RFC3339Nano), Host: l.opts.Host, Tool: l.opts.Tool, Version: l.opts.Version,
		Kind: kind, Rule: a.Rule, Severity: a.Severity, Sample: a.Sample, SampleSHA256: a.SampleSHA256,
		Process: a.Process, Evidence: ev, Count: count,
		Outcome: a.Outcome, UID: a.UID, Object: a.Object,
		Algorithm: a.Algorithm, Score: a.Score, Confidence: a.Confidence, Verdict: a.Verdict, Message: a.Message,
	}
}

// maxEvidenceAll bounds a finding's evidence: the first MaxEvidence hits,
// then a hit of each outcome no kept hit had (a successful read of
// /etc/shadow after five failed ones), two at most.
const maxEvidenceAll = MaxEvidence + 2

// keepEvidence reports whether a hit with outcome is kept as evidence when
// the finding holds kept of them, and notes its outcome.
func (st *ruleState) keepEvidence(kept int, outcome string) bool {
	if kept >= maxEvidenceAll {
		return false
	}
	seen := slices.Contains(st.facts, outcome)
	if kept >= MaxEvidence && seen {
		return false
	}
	if !seen {
		st.facts = append(st.facts, outcome)
	}
	return true
}

// hitFacts returns what tells one hit of a rule from another in the alert
// log: whether the call failed or succeeded, and the object it acted on
// (the kernel's resolved path, else the first path argument made
// absolute, else the socket address).
func hitFacts(ctx *evalCtx) (outcome, object string) {
	c := ctx.call
	outcome = hitOutcome(c)
	switch {
	case c.RetPath != "":
		object = c.RetPath
	case len(ctx.paths()) > 0:
		object = ctx.paths()[0]
	default:
		if sa := ctx.sock(); sa != &noSockaddr {
			object = sa.addr
			if object == "" {
				object = sa.path
			}
		}
	}
	if len(object) > MaxEvidenceBytes {
		object = object[:MaxEvidenceBytes]
	}
	return outcome, strings.Clone(object)
}

func (l *AlertLog) write(r *LogRecord) error {
	if l.err != nil {
		return l.err
	}
	b, err := json.Marshal(r)
	if err != nil {
		l.err = fmt.Errorf("alert log: %w", err)
		return l.err
	}
	b = append(b, '\n')
	switch {
	case l.sink != nil:
		err = l.sink.WriteRecord(r, b)
	case l.w == nil:
		err = errors.New("the log is closed")
	default:
		_, err = l.w.Write(b)
	}
	if err != nil {
		l.err = fmt.Errorf("write alert log: %w", err)
		return l.err
	}
	if l.opts.Written != nil {
		l.opts.Written(r)
	}
	return nil
}

// Drop logs that source lost events: they found its buffer full and were
// never judged. Drop records bypass the cooldown.
func (l *AlertLog) Drop(source string, lost uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.record(LogAlert{Source: source}, l.opts.Now(), "drop", 0)
	r.Lost = lost
	return l.write(r)
}

// DropProcess logs that process p lost lost events (the tracer could not
// send them, or its rate limit was spent): what the rules judged of it is
// incomplete. Drop records bypass the cooldown.
// sample names its job ("session N"), or is empty.
func (l *AlertLog) DropProcess(source, sample string, p *Process, lost uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.record(LogAlert{Source: source, Sample: sample, Process: p, Exe: p.Exe}, l.opts.Now(), "drop", 0)
	r.Lost = lost
	return l.write(r)
}

// Flush closes every open cooldown window, writing their summaries.
func (l *AlertLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, w := range l.windows {
		l.closeWindow(k, w)
	}
	return l.err
}

// Close flushes the log and closes its file.
func (l *AlertLog) Close() error {
	err := l.Flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.c != nil {
		if cerr := l.c.Close(); err == nil {
			err = cerr
		}
		l.c = nil
	}
	if l.sink != nil {
		if cerr := l.sink.Close(); err == nil {
			err = cerr
		}
		l.sink, l.w = nil, nil
	}
	return err
}
