package monitor

import (
	"slices"
	"strings"
	"sync/atomic"

	"detector/observe"
	"detector/rules"
	"detector/trace"
)

// MaxImages bounds the program images (a process between two execs) the
// monitor follows at once for learning and for a profile model, over all
// its streams; past it, a new image ends its stream's oldest one (judged
// and learned as if it exited), or, in a stream without one, is not
// observed and counted in Learner.Stats' left out.
const MaxImages = 1 << 14

// imageLimit is MaxImages, lowered by tests.
var imageLimit int64 = MaxImages

// liveImages counts the images followed, over all streams.
var liveImages atomic.Int64

// image is one program image of a live process tree and what it did so
// far, as the profile detector learns and judges it.
type image struct {
	program string // identity (observe.Identity); "" when its exec was not seen
	parent  string // identity of the image that started it, "" when unknown
	pid     int    // the process that executed it
	ppid    int
	exe     string
	argv    []string
	refs    int    // processes running it (forked copies that did not exec yet)
	seq     uint64 // order of start in its stream
	rec     observe.Recorder
	extra   map[string]bool // exec and child items, which the recorder keeps for a whole sample only
	// logged are the findings already logged for it (rule and message),
	// so that judging a live image again logs only what is new.
	logged map[string]bool
}

// maxExtra bounds an image's exec and child items.
const maxExtra = 1024

// process is what the image did, as one observe.Process whose items also
// hold its calls ("call NAME") and the program that started it ("parent
// IDENTITY"), so that a sample of this one process tells the profile
// detector all of it.
func (im *image) process() observe.Process {
	s := im.rec.Sample()
	p := observe.Process{Program: im.program, Parent: -1, PID: im.pid}
	if len(s.Procs) > 0 {
		p.Items = append(p.Items, s.Procs[0].Items...)
		for _, c := range s.Procs[0].Calls {
			p.Items = append(p.Items, "call "+c)
		}
	}
	for it := range im.extra {
		p.Items = append(p.Items, it)
	}
	if im.parent != "" {
		p.Items = append(p.Items, "parent "+im.parent)
	}
	slices.Sort(p.Items)
	p.Items = slices.Compact(p.Items)
	return p
}

// images follows the program images of one stream's processes: each
// process's events go to the image it runs, an exec ends the image the
// process ran (for that process) and starts another, and an image ends
// when no process runs it any more. The caller serializes calls.
type images struct {
	byPID map[int]*image
	end   func(*image) // called once for each image that ends
	seq   uint64       // images started
}

func (t *images) event(e *trace.Event) {
	switch e.Kind {
	case trace.EventSpawn:
		if im := t.byPID[e.PID]; im != nil && t.byPID[e.Child] == nil {
			t.byPID[e.Child] = im
			im.refs++
		}
	case trace.EventExec:
		t.exec(e)
	case trace.EventCall:
		im := t.byPID[e.PID]
		if im == nil {
			return // a process whose program is not known: nothing to learn or judge
		}
		ev := *e
		ev.PID = 1 // one image per recorder
		im.rec.Event(&ev)
	case trace.EventExit:
		t.release(e.PID)
	}
}

func (t *images) exec(e *trace.Event) {
	c := e.Call
	if c == nil {
		return
	}
	path := c.RetPath
	if path == "" {
		path = c.ExecPath()
	}
	if path == "" {
		return
	}
	exe := observe.Template(path)
	argv, _ := c.ExecArgv()
	program := observe.Identity(exe, argv, "")
	old := t.byPID[e.PID]
	parent, ppid := "", 0
	if old != nil {
		parent, ppid = old.program, old.pid
		if old.pid == e.PID {
			ppid = old.ppid
		}
		old.note(observe.KindExec + " " + exe)
		if old.pid != e.PID {
			old.note(observe.KindChild + " " + program)
		}
		t.release(e.PID)
	}
	if liveImages.Load() >= imageLimit && !t.evict() {
		learnDropped.Add(1)
		return
	}
	liveImages.Add(1)
	if t.byPID == nil {
		t.byPID = map[int]*image{}
	}
	t.seq++
	t.byPID[e.PID] = &image{program: program, parent: parent, pid: e.PID, ppid: ppid, exe: path,
		argv: slices.Clone(argv), refs: 1, extra: map[string]bool{}, seq: t.seq}
}

func (im *image) note(it string) {
	if len(im.extra) < maxExtra {
		im.extra[it] = true
	}
}

// release ends pid's part in its image; the image ends with its last
// process.
func (t *images) release(pid int) {
	im := t.byPID[pid]
	if im == nil {
		return
	}
	delete(t.byPID, pid)
	if im.refs--; im.refs > 0 {
		return
	}
	liveImages.Add(-1)
	if t.end != nil && im.program != "" {
		t.end(im)
	}
}

// evict ends the image of this stream that started first, as if its
// processes had exited (an exit the source lost would otherwise hold its
// place for good); false when the stream has none.
func (t *images) evict() bool {
	var oldest *image
	for _, im := range t.byPID {
		if oldest == nil || im.seq < oldest.seq {
			oldest = im
		}
	}
	if oldest == nil {
		return false
	}
	for pid, x := range t.byPID {
		if x == oldest {
			delete(t.byPID, pid)
		}
	}
	liveImages.Add(-1)
	if t.end != nil && oldest.program != "" {
		t.end(oldest)
	}
	return true
}

// live returns the images still running, each once.
func (t *images) live() []*image {
	var out []*image
	seen := map[*image]bool{}
	for _, im := range t.byPID {
		if !seen[im] {
			seen[im] = true
			out = append(out, im)
		}
	}
	slices.SortFunc(out, func(a, b *image) int { return a.pid - b.pid })
	return out
}

// closeAll ends every image still running.
func (t *images) closeAll() {
	for _, im := range t.live() {
		for pid, x := range t.byPID {
			if x == im {
				delete(t.byPID, pid)
			}
		}
		liveImages.Add(-1)
		if t.end != nil && im.program != "" {
			t.end(im)
		}
	}
}

// ruleProcess describes an image's process for a record.
func (im *image) ruleProcess() *rules.Process {
	return &rules.Process{PID: im.pid, PPID: im.ppid, Exe: im.exe, Argv: im.argv}
}

// imageEnded learns and judges an image that ended; the caller holds
// s.mu.
func (s *Stream) imageEnded(im *image) {
	p := im.process()
	if s.cfg.Learn != nil {
		s.cfg.Learn.add(p)
	}
	if s.profile {
		s.judge(im, p)
	}
}

// maxLogged bounds the findings remembered per image.
const maxLogged = 256

// judge logs the profile model's findings on what image im did (p) that
// were not logged for it before: one record each, of the finding's
// severity, its message the evidence. The profile detector judges programs
// by what they did, so a profile model's records come from here, not from
// the call counts score judges.
func (s *Stream) judge(im *image, p observe.Process) {
	m := s.cfg.Model
	row := make([]float64, m.Dim())
	res := m.ScoreBehaviour([][]float64{row}, nil, []*observe.Sample{{Procs: []observe.Process{p}}})[0]
	for _, f := range res.Findings {
		key := f.Rule + "\x00" + stripMore(f.Message)
		if im.logged[key] {
			continue
		}
		if im.logged == nil {
			im.logged = map[string]bool{}
		}
		if len(im.logged) < maxLogged {
			im.logged[key] = true
		}
		sev, ok := rules.ParseSeverity(f.Severity)
		if !ok {
			sev = rules.Info
		}
		yes := true
		a := rules.LogAlert{Kind: "model", Rule: f.Rule, Severity: sev, Sample: s.name, Exe: im.exe, Process: im.ruleProcess(),
			Evidence: []rules.Evidence{}, Count: 1, Algorithm: m.Algorithm, Source: s.cfg.Source, Syscalls: &yes, Message: f.Message}
		if err := s.cfg.Log.Alert(a); err != nil && s.err == nil {
			s.err = err
		}
	}
}

// stripMore drops a finding message's " (+N more)", which grows as a
// live program does more of the same.
func stripMore(msg string) string {
	if i := strings.LastIndex(msg, " (+"); i >= 0 && strings.HasSuffix(msg, " more)") {
		return msg[:i]
	}
	return msg
}
