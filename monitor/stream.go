// Package monitor watches live processes: the event stream of a traced
// process tree (strace, or the eBPF tracer) judged by the behaviour rules
// as it comes and by a model per process, and the process table polled
// from /proc, judged by the checks a process listing allows. What it finds
// goes to the alert log (rules.AlertLog) as JSON lines, with the log's
// cooldown.
package monitor

import (
	"maps"
	"slices"
	"sync"
	"time"

	"detector/features"
	"detector/model"
	"detector/rules"
	"detector/trace"
)

// Config says how a monitor judges what it sees.
type Config struct {
	// Rules are the behaviour rules (nil: off); Allow and Packages as for
	// rules.Options.
	Rules    *rules.Set
	Allow    *rules.AllowList
	Packages rules.PackageChecker
	// Log receives alerts, model records and drop records.
	Log *rules.AlertLog
	// Model scores each program's calls and the tree's as a whole (nil:
	// none). It must be a model of executables' or strace logs' system
	// calls.
	Model *model.Model
	// ScoreEvery is how often a live process that has made MinCalls calls
	// is scored again; processes are also scored when they exit.
	ScoreEvery time.Duration
	MinCalls   int
	// Source names the source in every record: "strace", "ebpf", "proc".
	Source string
	// Warn receives problems that do not stop the monitor.
	Warn func(format string, args ...any)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Metrics count what the monitor sees and does (nil: nothing).
	Metrics *Metrics
	// Learn, when set, learns the profiles of the programs the streams
	// see (monitor --learn).
	Learn *Learner
}

// scoreTimed is m.Score, its time given to the metrics.
func (c *Config) scoreTimed(m *model.Model, vecs [][]float64, seqs [][][]string) []model.Result {
	start := time.Now()
	res := m.Score(vecs, seqs)
	c.Metrics.Scored(time.Since(start))
	return res
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) warn(format string, args ...any) {
	if c.Warn != nil {
		c.Warn(format, args...)
	}
}

// maxSeq bounds the calls a process's sequence keeps for a sequence
// model; maxProcs the processes a stream tracks.
const (
	maxSeq   = 1 << 16
	maxProcs = 4096
)

// Stream judges the events of one live process tree, in trace order:
// every rule hit is logged as it happens, and each process's calls are
// scored by the model when the process exits and every ScoreEvery while
// it runs, the whole tree's (see scoreJob) when it ends and as often. Event, Score and Close may be called from different
// goroutines.
type Stream struct {
	cfg  Config
	name string // the tree's name in records ("sample")
	// kernel: the calls are counted elsewhere (the eBPF tracer counts in
	// the kernel) and given to ScoreCounts; events only feed the rules.
	kernel bool
	mu     sync.Mutex
	engine *rules.Engine
	procs  map[int]*liveProc
	err    error
	// The job: every call of the tree's processes, summed as one sample's
	// are (each process's adjacent pairs its own). done holds what
	// programs that ended (or were replaced by an exec) made.
	done      map[string]int64
	doneTrans int64
	jobScored int64 // calls when the job was last scored
	// imgs follows the program images, for Learn and for a profile
	// model (profile: its findings are logged, see judge), nil without.
	imgs    *images
	profile bool
}

type liveProc struct {
	pid, ppid int
	exe       string
	argv      []string
	counter   features.Counter
	seq       []string
	scoredAt  int64 // calls when last scored
	exited    bool
	kernel    *features.Counter // kernel: its counts as last given to ScoreCounts
}

// NewStream returns a stream named name (the traced command or pid).
func NewStream(cfg Config, name string) *Stream {
	s := &Stream{cfg: cfg, name: name, procs: map[int]*liveProc{}, done: map[string]int64{}}
	s.profile = cfg.Model != nil && cfg.Model.Spec().Behaviour
	if cfg.Learn != nil || s.profile {
		s.imgs = &images{end: s.imageEnded}
	}
	if cfg.Rules != nil {
		// Two distinct WARNING rules on the tree within the log's
		// cooldown make an ALERT (rules.CombinedRule).
		s.engine = cfg.Rules.NewEngine(rules.Options{Allow: cfg.Allow, Packages: cfg.Packages, OnHit: s.hit, Combine: cfg.Log.Cooldown()})
	}
	return s
}

// hit logs one rule hit at once (the log's cooldown groups repeats); an
// escalation (rules.CombinedRule) is an ALERT record whose evidence is
// the hit of each rule it combines and whose message names them.
func (s *Stream) hit(h rules.Hit) {
	exe := ""
	if h.Process != nil {
		exe = h.Process.Exe
	}
	yes := true
	ev := []rules.Evidence{h.Evidence}
	msg := ""
	if len(h.Combined) > 0 {
		ev, msg = h.Combined, h.Message
	}
	a := rules.LogAlert{Rule: h.Rule, Severity: h.Severity, Sample: s.name, Exe: exe, Process: h.Process,
		Evidence: ev, Count: 1, Source: s.cfg.Source, Syscalls: &yes,
		Outcome: h.Outcome, Object: h.Object, Message: msg}
	if err := s.cfg.Log.Alert(a); err != nil && s.err == nil {
		s.err = err
	}
}

// Event judges one event; it returns the first error writing the log.
func (s *Stream) Event(e *trace.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.kernel {
		s.cfg.Metrics.Event(s.cfg.Source, e.Kind.String())
	}
	if s.engine != nil {
		s.engine.Event(e)
	}
	if s.imgs != nil {
		s.imgs.event(e)
	}
	p := s.proc(e.PID)
	switch e.Kind {
	case trace.EventCall:
		if s.kernel {
			break
		}
		p.counter.Add(e.Call.Name)
		if s.cfg.Model != nil && !s.profile && s.cfg.Model.Spec().Sequences && len(p.seq) < maxSeq {
			p.seq = append(p.seq, e.Call.Name)
		}
	case trace.EventSpawn:
		c := s.proc(e.Child)
		c.ppid, c.exe, c.argv = e.PID, p.exe, p.argv
	case trace.EventExec:
		// A new program: the old one ends here and is scored as if it
		// exited (in the kernel's case by Replaced); the job keeps its
		// calls, and the new program's are judged apart.
		if !s.kernel {
			s.score(p, &p.counter)
			s.fold(&p.counter)
		}
		p.exe = e.Call.ExecPath()
		p.argv, _ = e.Call.ExecArgv()
		p.counter, p.seq, p.scoredAt, p.kernel = features.Counter{}, nil, 0, nil
	case trace.EventExit:
		if !s.kernel {
			s.score(p, &p.counter)
			s.fold(&p.counter)
		} else if p.kernel != nil {
			s.fold(p.kernel)
		}
		p.exited = true
		delete(s.procs, e.PID)
	}
	return s.err
}

// ScoreCounts scores the process pid with calls counted elsewhere (see
// kernel), under the same rules as Score: once it has made MinCalls calls,
// and again only when it made more.
func (s *Stream) ScoreCounts(pid int, c *features.Counter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc(pid)
	p.kernel = c
	s.score(p, c)
	return s.err
}

// Replaced scores, with calls counted elsewhere (see kernel), the program
// that process pid ran until an exec replaced it, and gives them to the
// job but for that execve, which the new program's counts begin with. It
// is called before the exec's event.
func (s *Stream) Replaced(pid int, c *features.Counter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc(pid)
	s.score(p, c)
	h := c.Histogram()
	if h["execve"] > 0 {
		h["execve"]--
	}
	for n, k := range h {
		s.done[n] += k
	}
	s.doneTrans += c.Transitions()
	p.kernel, p.scoredAt = nil, 0
	return s.err
}

// Forget drops the process pid, which has left the tree (to another
// session), without scoring it: its calls are its new job's.
func (s *Stream) Forget(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.procs, pid)
	if s.imgs != nil {
		s.imgs.release(pid)
	}
}

// fold adds a program's calls to the job's.
func (s *Stream) fold(c *features.Counter) {
	for n, k := range c.Histogram() {
		s.done[n] += k
	}
	s.doneTrans += c.Transitions()
}

// scoreJob scores the whole job, if it made MinCalls calls and more since
// it was last scored, and logs an anomalous verdict in a "model" record
// without a process. A model of call sequences scores programs only.
func (s *Stream) scoreJob() {
	m := s.cfg.Model
	if m == nil || m.Spec().Sequences || s.profile {
		return
	}
	hist := maps.Clone(s.done)
	trans := s.doneTrans
	for _, p := range s.procs {
		c := &p.counter
		if s.kernel {
			if c = p.kernel; c == nil {
				continue
			}
		}
		for n, k := range c.Histogram() {
			hist[n] += k
		}
		trans += c.Transitions()
	}
	c, err := features.CounterOf(hist, trans)
	if err != nil {
		return
	}
	n := c.Total()
	if n < int64(s.cfg.MinCalls) || n == s.jobScored || n == 0 {
		return
	}
	s.jobScored = n
	vec, err := c.Vector()
	if err != nil {
		return
	}
	if a, ok := modelAlert(s.cfg.scoreTimed(m, [][]float64{vec}, nil)[0], m, nil, s.cfg.Source, true); ok {
		a.Sample = s.name
		if err := s.cfg.Log.Alert(a); err != nil && s.err == nil {
			s.err = err
		}
	}
}

// Live returns the pids of the processes the stream follows.
func (s *Stream) Live() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pids()
}

// pids lists the followed processes in order; the caller holds mu.
func (s *Stream) pids() []int {
	pids := make([]int, 0, len(s.procs))
	for pid := range s.procs {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}

func (s *Stream) proc(pid int) *liveProc {
	p := s.procs[pid]
	if p == nil {
		if len(s.procs) >= maxProcs {
			s.evict()
		}
		p = &liveProc{pid: pid}
		s.procs[pid] = p
	}
	return p
}

// evict forgets the process with the fewest calls.
func (s *Stream) evict() {
	var victim *liveProc
	for _, p := range s.procs {
		if victim == nil || p.counter.Total() < victim.counter.Total() {
			victim = p
		}
	}
	if victim != nil {
		delete(s.procs, victim.pid)
	}
}

// Score scores every live process that has made MinCalls calls and made
// more since it was last scored; the monitor calls it every ScoreEvery.
func (s *Stream) Score() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range s.pids() {
		p := s.procs[pid]
		s.score(p, &p.counter)
	}
	s.scoreJob()
	if s.profile {
		for _, im := range s.imgs.live() {
			s.judge(im, im.process())
		}
	}
	return s.err
}

// score scores p with the model, if it made MinCalls calls and more since
// it was last scored, and logs an anomalous verdict.
func (s *Stream) score(p *liveProc, c *features.Counter) {
	m := s.cfg.Model
	n := c.Total()
	if m == nil || s.profile || n < int64(s.cfg.MinCalls) || n == p.scoredAt || n == 0 {
		return
	}
	p.scoredAt = n
	vec, err := c.Vector()
	if err != nil {
		return
	}
	var seqs [][][]string
	if m.Spec().Sequences {
		seqs = [][][]string{{p.seq}}
	}
	res := s.cfg.scoreTimed(m, [][]float64{vec}, seqs)[0]
	proc := &rules.Process{PID: p.pid, PPID: p.ppid, Exe: p.exe, Argv: p.argv}
	if a, ok := modelAlert(res, m, proc, s.cfg.Source, true); ok {
		a.Sample = s.name
		if err := s.cfg.Log.Alert(a); err != nil && s.err == nil {
			s.err = err
		}
	}
}

// modelAlert is the "model" record of a model's result on a process: ok is
// false for a normal verdict. A score that cannot be computed is never
// normal: it is a WARNING with verdict "error". An anomalous verdict is a
// WARNING at rules.ConfidentAnomaly confidence or more, else INFO.
func modelAlert(res model.Result, m *model.Model, p *rules.Process, source string, syscalls bool) (rules.LogAlert, bool) {
	a := rules.LogAlert{Kind: "model", Rule: "model-anomaly", Process: p, Count: 1,
		Algorithm: m.Algorithm, Source: source, Syscalls: &syscalls, Evidence: []rules.Evidence{}}
	if p != nil {
		a.Exe = p.Exe
	}
	switch {
	case res.Err != nil:
		a.Severity, a.Verdict = rules.Warning, "error"
	case res.Anomalous:
		sc, conf := res.Score, res.Confidence
		a.Score, a.Confidence, a.Verdict = &sc, &conf, "anomalous"
		a.Severity = rules.Info
		if conf >= rules.ConfidentAnomaly {
			a.Severity = rules.Warning
		}
	default:
		return a, false
	}
	return a, true
}

// Close scores the processes still running (as if they exited now) and
// the job as a whole: it ends.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.imgs != nil {
		s.imgs.closeAll()
	}
	if !s.kernel {
		for _, p := range s.procs {
			s.score(p, &p.counter)
		}
	}
	s.scoreJob()
	return s.err
}
