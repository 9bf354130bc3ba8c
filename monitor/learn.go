package monitor

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"detector/algo"
	"detector/features"
	"detector/model"
	"detector/observe"
	"detector/profile"
)

// Learning from a live host (monitor --learn). The profile detector
// learns from samples, and counts in how many samples a program ran and
// did each thing; on a host there are no samples, only programs that come
// and go. So the learning period is cut into Periods equal periods, and
// each period is one training sample: the programs whose images ended in
// it (an image ends at its process's exit or next exec; those still
// running when learning ends count in the last period), each with the
// union of what its images did. "ran 34 times in training" then reads "ran
// in 34 of the learning period's periods", and a program that runs all
// day is as well known as one that runs every minute.
//
// What a host does is attacker-influenced (any user can run a program
// that opens ten million distinct files), and the model is read again
// later: the learner keeps at most profile.MaxPrograms programs,
// MaxLearnedItems items over all programs and profile.MaxItems per
// program, and at most FoldKeep entries of one folder per program and
// kind (the profile detector takes a folder with profile.FoldChildren
// entries as known whole, so more add nothing). What it leaves out is
// counted in Dropped.

// Periods is how many periods a learning period is cut into.
const Periods = 120

// MinPeriod is the shortest period.
const MinPeriod = 100 * time.Millisecond

// FoldKeep is how many entries of one folder a program's profile keeps
// per kind of access.
const FoldKeep = 2 * profile.FoldChildren

// MaxLearnedItems bounds the items of a learned model.
const MaxLearnedItems = 1 << 20

// learnDropped counts images not observed for lack of room (MaxImages).
var learnDropped atomic.Int64

// Learner builds a host's profile model from the images the monitor's
// streams see end (Config.Learn). Its methods may be called from several
// goroutines.
type Learner struct {
	period time.Duration
	now    func() time.Time
	start  time.Time

	mu      sync.Mutex
	cur     map[string]map[string]bool // program -> items, this period
	curCtr  features.Counter
	curEnd  time.Time
	samples []*observe.Sample
	rows    [][]float64
	known   map[string]*learned // programs learned so far
	items   int                 // items over all of known
	dropped int64
	images  int64
}

type learned struct {
	items   map[string]bool
	folders map[string]int // "KIND FOLDER" -> entries kept
}

// NewLearner returns a learner for a learning period of length d (cut
// into Periods periods of at least MinPeriod); now is the clock
// (time.Now when nil).
func NewLearner(d time.Duration, now func() time.Time) *Learner {
	if now == nil {
		now = time.Now
	}
	p := max(d/Periods, MinPeriod)
	l := &Learner{period: p, now: now, known: map[string]*learned{}}
	l.start = now()
	l.curEnd = l.start.Add(p)
	l.cur = map[string]map[string]bool{}
	return l
}

// Start is when learning began.
func (l *Learner) Start() time.Time { return l.start }

// add learns one image that ended.
func (l *Learner) add(p observe.Process) {
	if p.Program == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(l.now())
	l.images++
	prog := l.known[p.Program]
	if prog == nil {
		if len(l.known) >= profile.MaxPrograms {
			l.dropped++
			return
		}
		prog = &learned{items: map[string]bool{}, folders: map[string]int{}}
		l.known[p.Program] = prog
	}
	did := l.cur[p.Program]
	if did == nil {
		did = map[string]bool{}
		l.cur[p.Program] = did
	}
	for _, it := range p.Items {
		if len(it) > profile.MaxNameLen {
			l.dropped++
			continue
		}
		if strings.HasPrefix(it, "call ") {
			l.curCtr.Add(it[len("call "):])
		}
		if !prog.items[it] {
			if ok, folded := l.room(prog, it); !ok {
				if !folded {
					l.dropped++
				}
				continue
			}
			prog.items[it] = true
			l.items++
		}
		did[it] = true
	}
}

// room reports whether prog may learn the new item it, and counts it in
// its folder; folded says that it is left out because its folder is
// known whole.
func (l *Learner) room(prog *learned, it string) (ok, folded bool) {
	if len(prog.items) >= profile.MaxItems || l.items >= MaxLearnedItems {
		return false, false
	}
	kind, obj, _ := strings.Cut(it, " ")
	if kind == "call" || kind == "parent" || !strings.Contains(obj, "/") {
		return true, false
	}
	dir := kind + " " + path.Dir(obj)
	if prog.folders[dir] >= FoldKeep {
		return false, true
	}
	prog.folders[dir]++
	return true, false
}

// roll closes the periods that ended by now.
func (l *Learner) roll(now time.Time) {
	if now.Before(l.curEnd) {
		return
	}
	l.closePeriod()
	// Periods in which no image ended are no samples.
	for !now.Before(l.curEnd) {
		l.curEnd = l.curEnd.Add(l.period)
	}
}

// closePeriod makes the current period a sample, if any image ended in
// it.
func (l *Learner) closePeriod() {
	if len(l.cur) == 0 {
		return
	}
	s := &observe.Sample{Procs: make([]observe.Process, 0, len(l.cur))}
	for name, did := range l.cur {
		p := observe.Process{Program: name, Parent: -1, Items: make([]string, 0, len(did))}
		for it := range did {
			p.Items = append(p.Items, it)
		}
		slices.Sort(p.Items)
		s.Procs = append(s.Procs, p)
	}
	slices.SortFunc(s.Procs, func(a, b observe.Process) int { return strings.Compare(a.Program, b.Program) })
	row, err := l.curCtr.Vector()
	if err != nil {
		row = make([]float64, len(features.Names))
	}
	l.samples = append(l.samples, s)
	l.rows = append(l.rows, row)
	l.cur = map[string]map[string]bool{}
	l.curCtr = features.Counter{}
}

// Stats says what was learned so far: images, programs, items, and what
// the bounds left out (images, programs and items, not the entries of
// folders known whole).
func (l *Learner) Stats() (images int64, programs, items int, dropped int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.images, len(l.known), l.items, l.dropped + learnDropped.Load()
}

// ErrLearnedTooLittle is Model's error when fewer than two periods saw an
// image end.
var ErrLearnedTooLittle = errors.New("learned too little")

// LearnInfo is what Model records besides what was learned.
type LearnInfo struct {
	Host, Source, ToolVersion string
}

// Model ends learning (images still running must have been given to the
// learner already: the streams' Close does it) and returns the profile
// model of the periods, without a sequence part, its Origin saying where
// and how it was learned.
func (l *Learner) Model(info LearnInfo) (*model.Model, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	end := l.now()
	l.closePeriod()
	if len(l.samples) < 2 {
		return nil, fmt.Errorf("%w: programs ended in %d of the learning's periods of %v, and a model needs 2", ErrLearnedTooLittle, len(l.samples), l.period)
	}
	spec := profile.Spec
	args := algo.NewArgs(spec, func(name string) (string, bool) { return "none", name == "sequence" })
	// No sequences: the sequence part is none.
	m, err := model.Train(features.Names, l.rows, make([][][]string, len(l.rows)), spec, args, model.Params{Input: "host", ToolVersion: info.ToolVersion, Now: end, Behaviour: l.samples})
	if err != nil {
		return nil, err
	}
	m.Origin = &model.Origin{Host: info.Host, Source: info.Source, Start: l.start.UTC().Truncate(time.Second), Duration: end.Sub(l.start).Round(time.Second)}
	if len(m.Origin.Host) > model.MaxOriginHost {
		m.Origin.Host = m.Origin.Host[:model.MaxOriginHost]
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("the learned model is unusable: %w", err)
	}
	return m, nil
}
