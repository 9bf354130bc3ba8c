// Package profile is the behaviour-profile detector: for each program
// identity (see observe.Process.Program) the training samples teach what
// it does -- the programs it executes and starts, the files it reads,
// writes, creates and removes as path templates, the addresses it connects
// to, the calls it makes, the program that starts it -- and in how many
// training runs each was seen. A sample is judged by its deviations from
// those profiles, each a Finding an analyst can read ("cat read
// /etc/shadow; cat ran 34 times in training and never opened
// /etc/shadow"), and by a sequence model of its calls (the sequence
// ensemble of package ensemble), which carries the judgement where
// profiles are thin or absent (ADFA-LD traces have call numbers only).
//
// The decision follows algo's convention (above 0 normal):
//
//	decision = w * clip(seq / scale, -10, 3 (2w - 1)) - (penalty - tau)
//
// where seq is the sequence model's decision of the sample, scale the
// median magnitude of its training decisions, w the weight of the
// sequence evidence (1 where no program of the sample is well known, down
// to 1/2 where all are), penalty = ln(1 + sum of the deviations'
// weights) and tau the 98th percentile of the training samples'
// out-of-fold penalties. A deviation weighs more the better its program is
// known (runs/(runs+3)) and the more sensitive its object (credential and
// persistence paths, system folders, executables and scripts in temporary
// folders, public addresses, calls that change privileges or reach into
// the kernel). A program never seen weighs 1 and what it did that no
// program did in training.
//
// With Model.Key "sha256" (--key sha256) an identity also carries its
// executable's digest (observe.DigestKey): a known path with a new digest
// is a replaced executable, one finding (profile-new-digest) weighed as a
// critical deviation.
//
// Profiles merge (Merge): the union of two models' items with their
// counts added, so that hosts can learn apart and a central step combine
// them.
package profile

import (
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"detector/algo"
	"detector/observe"
)

// Limits enforced by Fit, Merge and Validate.
const (
	MaxPrograms   = 1 << 16
	MaxItems      = 1 << 16 // items per program
	MaxTotalItems = 1 << 22
	MaxNameLen    = observe.MaxPathLen + 64
	MaxState      = 64 << 20 // bytes of the sequence model's encoding
	// FoldChildren is how many distinct entries of one folder a program
	// must have touched in one way in training for any entry there to be
	// taken as known ("read /usr/share/doc/*").
	FoldChildren = 8
)

// Program is what training taught of one program identity.
type Program struct {
	Name  string   // identity; "" for traces without execs
	Runs  uint32   // training samples in which it ran
	Items []string // "KIND OBJECT" (observe's kinds, "call NAME", "parent IDENTITY"), strictly increasing
	Seen  []uint32 // per item, the training samples in which it did it, 1..Runs

	known map[string]uint32 // Items -> Seen
	kinds map[string]bool   // kinds of Items
	folds map[string]uint32 // "KIND FOLDER/*" for folders with FoldChildren or more entries
}

// Model is a fitted profile detector, gob-encodable; Validate checks a
// decoded one.
type Model struct {
	Programs []Program // strictly increasing by Name
	Samples  int       // training samples
	// SeqAlgo names the sequence model (algo registry) whose encoding is
	// Seq, fitted on SeqSamples training samples; "" for none.
	SeqAlgo    string
	Seq        []byte
	SeqSamples int
	SeqScale   float64 // median |decision| of its training samples, > 0
	Tau        float64 // penalty offset (see the package comment), >= 0
	Train      []float64
	// Key is "sha256" when identities carry their executable's digest
	// (observe.DigestKey), "" when they are paths alone.
	Key string

	seq    algo.Detector
	pop    Program // what any program did: the union of the profiles
	byName map[string]int
	byPath map[string]uint32 // keyed models: runs per identity without its digest
}

// Deviation weights.
const (
	classWork     = 0 // the working folder, temporary files
	classSystem   = 1 // system folders, loopback addresses
	classCritical = 2 // credentials, persistence, executables in writable folders, public addresses
)

// Weights of a deviation by the class of what it touched.
var classWeight = [...]float64{classWork: 0.2, classSystem: 1, classCritical: 6}

// items returns the items of one image: observe's, its calls, and the
// program that started it.
func items(p observe.Process, parent string) []string {
	out := make([]string, 0, len(p.Items)+len(p.Calls)+1)
	out = append(out, p.Items...)
	for _, c := range p.Calls {
		out = append(out, "call "+c)
	}
	if p.Parent >= 0 {
		out = append(out, "parent "+parent)
	}
	return out
}

// build counts the profiles of samples: per program, the runs and per
// item the runs that did it.
func build(samples []*observe.Sample) ([]Program, error) {
	type acc struct {
		runs  uint32
		items map[string]uint32
	}
	byName := map[string]*acc{}
	for _, s := range samples {
		if s == nil {
			continue
		}
		ran := map[string]bool{}
		did := map[string]map[string]bool{}
		named := hasNamed(s)
		for _, p := range s.Procs {
			if named && p.Program == "" {
				continue // the tracer's or sandbox's own process before the sample's exec
			}
			parent := ""
			if p.Parent >= 0 && p.Parent < len(s.Procs) {
				parent = s.Procs[p.Parent].Program
			}
			ran[p.Program] = true
			if did[p.Program] == nil {
				did[p.Program] = map[string]bool{}
			}
			for _, it := range items(p, parent) {
				did[p.Program][it] = true
			}
		}
		for name := range ran {
			a := byName[name]
			if a == nil {
				if len(byName) >= MaxPrograms {
					return nil, fmt.Errorf("more than %d programs", MaxPrograms)
				}
				a = &acc{items: map[string]uint32{}}
				byName[name] = a
			}
			a.runs++
			for it := range did[name] {
				if _, ok := a.items[it]; !ok && len(a.items) >= MaxItems {
					continue
				}
				a.items[it]++
			}
		}
	}
	out := make([]Program, 0, len(byName))
	for name, a := range byName {
		p := Program{Name: name, Runs: a.runs}
		for it := range a.items {
			p.Items = append(p.Items, it)
		}
		slices.Sort(p.Items)
		p.Seen = make([]uint32, len(p.Items))
		for i, it := range p.Items {
			p.Seen[i] = a.items[it]
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// index builds the lookup tables of the programs.
func (m *Model) index() {
	m.byName = make(map[string]int, len(m.Programs))
	m.byPath = map[string]uint32{}
	m.pop = Program{known: map[string]uint32{}}
	for i := range m.Programs {
		p := &m.Programs[i]
		m.byName[p.Name] = i
		if plain, d := observe.SplitDigest(p.Name); d != "" {
			m.byPath[plain] += p.Runs
		}
		p.known = make(map[string]uint32, len(p.Items))
		p.kinds = map[string]bool{}
		for j, it := range p.Items {
			p.known[it] = p.Seen[j]
			k, _, _ := strings.Cut(it, " ")
			p.kinds[k] = true
			if !strings.HasPrefix(it, "parent ") {
				m.pop.known[it] += p.Seen[j]
			}
		}
		p.fold()
	}
	m.pop.fold()
}

// fold sets the folds of p's known items: a folder of which p touched
// FoldChildren or more entries in one way stands for all of them.
func (p *Program) fold() {
	children := map[string]map[string]bool{}
	for it := range p.known {
		kind, obj, _ := strings.Cut(it, " ")
		if !foldable(kind, obj) {
			continue
		}
		dir := kind + " " + path.Dir(obj)
		if children[dir] == nil {
			children[dir] = map[string]bool{}
		}
		children[dir][path.Base(obj)] = true
	}
	p.folds = map[string]uint32{}
	for dir, c := range children {
		if len(c) >= FoldChildren {
			p.folds[dir+"/*"] = p.Runs
		}
	}
}

// newKindFactor multiplies the weight of a deviation of a kind its
// program never did in training (newKind).
const newKindFactor = 2

// newKind reports whether a kind of item is one whose first occurrence in
// a program's life weighs newKindFactor: connecting, listening, writing,
// creating, removing, running a program.
func newKind(kind string) bool {
	switch kind {
	case observe.KindConnect, observe.KindBind, observe.KindWrite, observe.KindCreate, observe.KindDelete, observe.KindExec, observe.KindChild:
		return true
	}
	return false
}

// did reports whether p did anything of kind in training.
func (p *Program) did(kind string) bool { return p.kinds[kind] }

// foldable reports whether an item of kind names a path that a folded
// folder covers: files and folders, not the programs a program runs (a
// shell that ran eight programs of /usr/bin did not run them all).
func foldable(kind, obj string) bool {
	switch kind {
	case "call", "parent", observe.KindExec, observe.KindChild:
		return false
	}
	return strings.Contains(obj, "/")
}

// covered reports whether training knew item of p: the item itself, or
// an entry of a folder it touched many entries of, or, for a path, the
// path under a folded folder at any depth.
func (p *Program) covered(it string) bool {
	if _, ok := p.known[it]; ok {
		return true
	}
	kind, obj, _ := strings.Cut(it, " ")
	if !foldable(kind, obj) {
		return false
	}
	for d := path.Dir(obj); d != "/" && d != "." && d != "~" && d != ""; d = path.Dir(d) {
		if _, ok := p.folds[kind+" "+d+"/*"]; ok {
			return true
		}
	}
	return false
}

// deviation is one item of a sample that its program's profile lacks.
type deviation struct {
	prog   string // identity
	pid    int
	kind   string
	obj    string
	weight float64
	sev    string
}

// familiarity is how well a program seen in runs training samples is
// known, in [0, 1).
func familiarity(runs uint32) float64 { return float64(runs) / float64(runs+3) }

// judge returns the deviations of one sample and its penalty.
func (m *Model) judge(s *observe.Sample) ([]deviation, []algo.Finding, float64) {
	if s == nil {
		return nil, nil, 0
	}
	var devs []deviation
	var found []algo.Finding
	sum := 0.0
	newProgs := map[string]bool{}
	named := hasNamed(s)
	for _, p := range s.Procs {
		if named && p.Program == "" {
			continue
		}
		parent := ""
		if p.Parent >= 0 && p.Parent < len(s.Procs) {
			parent = s.Procs[p.Parent].Program
		}
		i, ok := m.byName[p.Program]
		if !ok {
			if newProgs[p.Program] {
				continue
			}
			newProgs[p.Program] = true
			if f, w, ok := m.replaced(p); ok {
				sum += w
				found = append(found, f)
				continue
			}
			// One finding for a program training never saw: what it
			// touched that matters is in the message, not a flood. It
			// weighs 1, and what it did that no program did in
			// training (or anything critical) as a program seen never:
			// the heaviest and a quarter of ln(1 + the others).
			heaviest, rest := 0.0, 0.0
			var touched []string
			for _, it := range items(p, "") {
				kind, obj, _ := strings.Cut(it, " ")
				if kind == "parent" {
					continue
				}
				c := classOf(p.Program, kind, obj)
				if c != classCritical && (kind == observe.KindProbe || m.pop.covered(it)) {
					continue
				}
				w := classWeight[c] * 0.25
				if kind == "call" {
					w *= 0.5
				}
				if w > heaviest {
					heaviest, w = w, heaviest
				}
				rest += w
				if c == classCritical && kind != "call" && len(touched) < 3 {
					touched = append(touched, verb(kind)+" "+obj)
				}
			}
			sum += 1 + heaviest + 0.25*math.Log1p(rest)
			msg := fmt.Sprintf("%s never ran in training", display(p.Program))
			if parent != "" {
				msg += "; started by " + display(parent)
			}
			if len(touched) > 0 {
				msg += "; it " + strings.Join(touched, ", ")
			}
			found = append(found, algo.Finding{Rule: "profile-new-program", Severity: "INFO", Message: msg, PID: p.PID, Program: p.Program})
			continue
		}
		prog := &m.Programs[i]
		f := familiarity(prog.Runs)
		for _, it := range items(p, parent) {
			if prog.covered(it) {
				continue
			}
			kind, obj, _ := strings.Cut(it, " ")
			if _, known := m.byName[obj]; kind == "parent" && !known {
				continue // the parent's own finding says it is new
			}
			c := classOf(p.Program, kind, obj)
			if kind == "call" && p.Program == "" {
				c = classWork // a trace without execs (ADFA-LD): the sequence part weighs its calls
			}
			if (kind == observe.KindExec || kind == observe.KindChild) && c == classSystem && isShell(p.Program) && !(kind == observe.KindChild && isShell(obj)) {
				// Starting a system program is what a shell is for;
				// starting a bare shell (commands read from a pipe or
				// a socket) is not (the child item names the image:
				// "sh two.sh" runs a script, "sh" alone does not).
				c = classWork
			}
			w := classWeight[c] * (0.25 + f)
			if newKind(kind) && !prog.did(kind) {
				// A program that never connected, wrote or ran anything
				// in training and now does: more telling than a new
				// object of what it did before.
				w *= newKindFactor
			}
			if kind == observe.KindProbe && c != classCritical {
				w = 0.02 // looking for a file that is not there is what programs do
			}
			switch kind {
			case "call":
				// A new call is weak evidence on its own; for a trace
				// without execs (ADFA-LD) the sequence part already
				// weighs it (measured on ADFA-LD: a tenth of this weight
				// costs 0.0002 of AUC, the weight itself 0.003).
				w *= 0.5
				if p.Program == "" {
					w *= 0.02
				}
			case "parent":
				w *= 0.4
			}
			level := 0
			switch {
			case prog.Runs >= 20:
				level = 2
			case prog.Runs >= 5:
				level = 1
			}
			sev := "INFO"
			if level+c >= 3 {
				sev = "WARNING"
			}
			devs = append(devs, deviation{prog: p.Program, pid: p.PID, kind: kind, obj: obj, weight: w, sev: sev})
		}
	}
	groups, pen := m.group(devs)
	found = append(found, groups...)
	sum += pen
	sort.SliceStable(found, func(a, b int) bool { return sevRank(found[a].Severity) > sevRank(found[b].Severity) })
	return devs, found, sum
}

// replaced is the finding and weight of an image whose executable's
// digest training never saw at a path it saw with another (a model keyed
// by sha256): a replaced binary, weighed as a critical deviation of the
// program its path names.
func (m *Model) replaced(p observe.Process) (algo.Finding, float64, bool) {
	plain, digest := observe.SplitDigest(p.Program)
	runs, ok := m.byPath[plain]
	if digest == "" || !ok {
		return algo.Finding{}, 0, false
	}
	sev := "INFO"
	if runs >= 5 {
		sev = "WARNING"
	}
	what := "sha256 " + digest[:min(len(digest), 16)]
	if digest == "?" {
		what = "an executable that could not be read"
	}
	msg := fmt.Sprintf("%s ran with %s; %s ran %d time%s in training, always another executable", display(p.Program), what, display(p.Program), runs, plural(runs))
	return algo.Finding{Rule: "profile-new-digest", Severity: sev, Message: msg, PID: p.PID, Program: p.Program},
		classWeight[classCritical] * (0.25 + familiarity(runs)), true
}

// hasNamed reports whether a sample has an image of a known executable:
// then an image of unknown identity is the process that started it (the
// sandbox's own), not the sample's.
func hasNamed(s *observe.Sample) bool {
	for _, p := range s.Procs {
		if p.Program != "" {
			return true
		}
	}
	return false
}

func sevRank(s string) int {
	if s == "WARNING" {
		return 1
	}
	return 0
}

// isShell reports whether a program is an interpreter running no script
// (sh -c, python3 -c): its children are whatever it was told to run.
func isShell(id string) bool {
	id, _ = observe.SplitDigest(id)
	id = strings.TrimSuffix(id, " "+observe.Stdin)
	return !strings.Contains(id, " ") && slices.Contains(observe.Interpreters, strings.TrimRight(path.Base(id), "0123456789."))
}

// rule names the finding of a deviation's kind.
func rule(kind string) string {
	switch kind {
	case observe.KindExec, observe.KindChild:
		return "profile-new-exec"
	case observe.KindConnect, observe.KindBind:
		return "profile-new-connection"
	case "call":
		return "profile-new-syscall"
	case "parent":
		return "profile-new-parent"
	}
	return "profile-new-file"
}

// group makes one finding per program and rule, the most weighty
// deviation its evidence and the others counted, and returns the penalty
// of the deviations: per group, its heaviest weight and a quarter of the
// logarithm of 1 + the others' sum, so that a program walking a new folder
// tree weighs as one deviation, not a thousand.
func (m *Model) group(devs []deviation) ([]algo.Finding, float64) {
	pen := 0.0
	type key struct{ prog, rule string }
	var order []key
	by := map[key][]deviation{}
	for _, d := range devs {
		k := key{d.prog, rule(d.kind)}
		if by[k] == nil {
			order = append(order, k)
		}
		by[k] = append(by[k], d)
	}
	var out []algo.Finding
	for _, k := range order {
		ds := by[k]
		// The evidence shown is the most severe deviation, the weightiest
		// among those.
		sort.SliceStable(ds, func(a, b int) bool {
			if ra, rb := sevRank(ds[a].sev), sevRank(ds[b].sev); ra != rb {
				return ra > rb
			}
			return ds[a].weight > ds[b].weight
		})
		d := ds[0]
		heaviest, sum := 0.0, 0.0
		for _, x := range ds {
			heaviest, sum = max(heaviest, x.weight), sum+x.weight
		}
		pen += heaviest + 0.25*math.Log1p(sum-heaviest)
		prog := &m.Programs[m.byName[d.prog]]
		name := display(d.prog)
		var msg string
		runs := fmt.Sprintf("%s ran %d time%s in training", name, prog.Runs, plural(prog.Runs))
		switch k.rule {
		case "profile-new-syscall":
			calls := make([]string, 0, len(ds))
			for _, x := range ds[:min(len(ds), 8)] {
				calls = append(calls, x.obj)
			}
			msg = fmt.Sprintf("%s called %s; %s and never made %s", name, strings.Join(calls, ", "), runs, pluralWord(len(calls), "that call", "those calls"))
		case "profile-new-parent":
			msg = fmt.Sprintf("%s was started by %s; %s, never started by it", name, display(d.obj), runs)
		case "profile-new-exec":
			msg = fmt.Sprintf("%s %s %s; %s and never ran it", name, verb(d.kind), display(d.obj), runs)
		case "profile-new-connection":
			msg = fmt.Sprintf("%s %s %s; %s and never used that address", name, verb(d.kind), d.obj, runs)
		default:
			msg = fmt.Sprintf("%s %s %s; %s and never %s", name, verb(d.kind), d.obj, runs, m.nearest(prog, d.kind, d.obj))
		}
		if len(ds) > 1 && k.rule != "profile-new-syscall" {
			msg += fmt.Sprintf(" (+%d more)", len(ds)-1)
		}
		sev := "INFO"
		for _, x := range ds {
			if x.sev == "WARNING" {
				sev = "WARNING"
			}
		}
		out = append(out, algo.Finding{Rule: k.rule, Severity: sev, Message: msg, PID: d.pid, Program: d.prog})
	}
	return out, pen
}

// nearest says what training lacked for a path: "opened anything under
// /etc/ssh" for the deepest folder of obj under which prog opened nothing
// in training, else "opened /etc/shadow".
func (m *Model) nearest(prog *Program, kind, obj string) string {
	under := func(dir string) bool {
		for _, it := range prog.Items {
			_, o, _ := strings.Cut(it, " ")
			if strings.HasPrefix(o, dir+"/") {
				return true
			}
		}
		return false
	}
	deepest := ""
	for d := path.Dir(obj); d != "/" && d != "." && d != "~" && d != ""; d = path.Dir(d) {
		if under(d) {
			break
		}
		deepest = d
	}
	if deepest != "" {
		return "opened anything under " + deepest
	}
	switch kind {
	case observe.KindRead:
		return "opened " + obj
	case observe.KindDelete:
		return "removed " + obj
	}
	return "wrote " + obj
}

func verb(kind string) string {
	switch kind {
	case observe.KindRead:
		return "read"
	case observe.KindWrite:
		return "wrote"
	case observe.KindCreate:
		return "created"
	case observe.KindDelete:
		return "removed"
	case observe.KindProbe:
		return "looked for"
	case observe.KindList:
		return "listed"
	case observe.KindExec:
		return "executed"
	case observe.KindChild:
		return "started"
	case observe.KindConnect:
		return "connected to"
	case observe.KindBind:
		return "listened on"
	}
	return kind
}

func plural(n uint32) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// display names a program for people: its executable's base name, and
// for an interpreter its script's base name ("-" for its input); "the
// traced program" for "". Findings carry the whole identity in Program.
func display(id string) string {
	if id == "" {
		return "the traced program"
	}
	id, _ = observe.SplitDigest(id)
	exe, script, ok := strings.Cut(id, " ")
	if ok {
		return path.Base(exe) + " " + path.Base(script)
	}
	return path.Base(exe)
}

// Sensitive path prefixes, by class (templates: home folders are "~").
var (
	critical = []string{
		"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/security/", "/etc/ssh/", "/etc/ssl/private/",
		"~/.ssh/", "~/.gnupg/", "~/.aws/", "~/.config/gcloud/", "~/.kube/", "~/.docker/config.json", "~/.netrc", "~/.git-credentials",
		"/etc/cron", "/var/spool/cron/", "/etc/systemd/", "/lib/systemd/", "/usr/lib/systemd/", "~/.config/systemd/",
		"/etc/init.d/", "/etc/rc.local", "/etc/profile", "/etc/bash.bashrc", "/etc/ld.so.preload", "/etc/passwd", "/etc/group",
		"~/.bashrc", "~/.bash_profile", "~/.profile", "~/.zshrc", "~/.bash_history", "~/.zsh_history", "~/.config/autostart/",
		"/var/log/", "/proc/#/mem", "/proc/#/environ", "/boot/", "/dev/mem", "/dev/kmem",
	}
	system = []string{"/etc/", "/usr/", "/bin/", "/sbin/", "/lib", "/opt/", "/var/", "/proc/", "/sys/", "/dev/", "/root/"}
	// writable folders from which an executable is suspect.
	writable = []string{"/tmp/", "/var/tmp/", "/dev/shm/", "~/", "./", "/run/user/"}
	// temporary folders, from which a script is suspect (one in the
	// working folder is work).
	temporary = []string{"/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"}
)

// callClass weighs a new call by what it can do: change privileges,
// reach into another process or the kernel (critical), or change what the
// process sees of the system (system); any other call is work.
var callClass = map[string]int{
	"setuid": classCritical, "setgid": classCritical, "setreuid": classCritical, "setregid": classCritical,
	"setresuid": classCritical, "setresgid": classCritical, "setfsuid": classCritical, "setfsgid": classCritical,
	"setgroups": classCritical, "capset": classCritical, "ptrace": classCritical,
	"process_vm_readv": classCritical, "process_vm_writev": classCritical,
	"init_module": classCritical, "finit_module": classCritical, "delete_module": classCritical,
	"kexec_load": classCritical, "kexec_file_load": classCritical, "bpf": classCritical,
	"mount": classCritical, "umount2": classCritical, "pivot_root": classCritical, "chroot": classCritical, "setns": classCritical,
	"unshare": classSystem, "keyctl": classSystem, "add_key": classSystem, "request_key": classSystem,
	"personality": classSystem, "memfd_create": classSystem, "perf_event_open": classSystem,
	"iopl": classSystem, "ioperm": classSystem, "settimeofday": classSystem, "clock_settime": classSystem,
}

// class weighs what an item touches.
func class(kind, obj string) int {
	if kind == observe.KindProbe {
		kind = observe.KindRead
	}
	if kind == observe.KindList {
		// A listing tells names, not contents: a credential or
		// persistence folder's weighs as a system path's, another's as
		// the working folder's.
		if class(observe.KindRead, obj) == classCritical {
			return classSystem
		}
		return classWork
	}
	switch kind {
	case "call":
		return callClass[obj]
	case "parent":
		return classWork
	case observe.KindConnect, observe.KindBind:
		switch {
		case kind == observe.KindConnect && strings.HasSuffix(obj, ":53") && (strings.Contains(obj, "loopback:") || strings.Contains(obj, "private:")):
			return classWork // a name lookup, as programs that name hosts make
		case strings.Contains(obj, "public:"), strings.Contains(obj, "any:"), strings.Contains(obj, "private:"):
			return classCritical
		case strings.HasPrefix(obj, "unix"), obj == "netlink":
			return classWork
		}
		return classSystem
	case observe.KindExec, observe.KindChild:
		exe, script, _ := strings.Cut(obj, " ")
		if strings.HasSuffix(exe, "/"+observe.Built) && !hasPrefix(exe, temporary) {
			// Built in the working folder and run: what a build, a
			// test or a virtual environment does.
			return classSystem
		}
		if hasPrefix(exe, writable) || hasPrefix(script, temporary) {
			// A script run from a temporary folder is a program
			// dropped there, as an executable is.
			return classCritical
		}
		return classSystem
	}
	if hasPrefix(obj, streams) {
		return classWork // where programs send output they do not keep
	}
	if hasPrefix(obj, critical) || containsAny(obj, secrets) {
		if kind == observe.KindRead && (strings.HasPrefix(obj, "/etc/passwd") || strings.HasPrefix(obj, "/etc/group") || strings.HasPrefix(obj, "/etc/profile") ||
			strings.HasPrefix(obj, "/etc/bash.bashrc") || strings.HasPrefix(obj, "~/.bashrc") || strings.HasPrefix(obj, "~/.profile") || strings.HasPrefix(obj, "/var/log/")) {
			return classSystem // world-readable and read by every shell
		}
		return classCritical
	}
	if hasPrefix(obj, system) {
		if kind != observe.KindRead {
			return classCritical
		}
		return classSystem
	}
	return classWork
}

// streams are the devices programs read and write as streams, not as
// system files: a write to /dev/null is not a write into /dev.
var streams = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/pts/", "/dev/ptmx", "/dev/fd/", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/urandom", "/dev/random"}

// owners are the credential folders that a program keeps as its own
// (gpg's keyring, ssh's keys), by the executable's base name: its use of
// them weighs as a system path's, another program's as a credential's.
var owners = map[string][]string{
	"gpg": {"~/.gnupg/"}, "gpg2": {"~/.gnupg/"}, "gpg-agent": {"~/.gnupg/"}, "gpgsm": {"~/.gnupg/"}, "gpgconf": {"~/.gnupg/"},
	"gpg-connect-agent": {"~/.gnupg/"}, "dirmngr": {"~/.gnupg/"}, "keyboxd": {"~/.gnupg/"},
	"ssh": {"~/.ssh/"}, "scp": {"~/.ssh/"}, "sftp": {"~/.ssh/"}, "ssh-add": {"~/.ssh/"}, "ssh-agent": {"~/.ssh/"}, "ssh-keygen": {"~/.ssh/"}, "ssh-keyscan": {"~/.ssh/"},
	"aws": {"~/.aws/"}, "gcloud": {"~/.config/gcloud/"}, "kubectl": {"~/.kube/"}, "docker": {"~/.docker/config.json"},
}

// classOf is class of an item of program: a credential path the program
// keeps as its own (owned) weighs as a system path.
func classOf(program, kind, obj string) int {
	c := class(kind, obj)
	if c == classCritical && owned(program, obj) {
		return classSystem
	}
	return c
}

// owned reports whether obj is a credential path that program keeps as its
// own (owners).
func owned(program, obj string) bool {
	plain, _ := observe.SplitDigest(program)
	exe, _, _ := strings.Cut(plain, " ")
	return hasPrefix(obj, owners[path.Base(exe)])
}

// secrets are parts of a path that name credentials wherever they are.
var secrets = []string{"/.ssh/", "/.aws/", "/.gnupg/", "/id_rsa", "/id_ed25519", "/id_ecdsa", "/shadow", "/gshadow", "/.git-credentials", "/.netrc", "/.pgpass", "credentials"}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) || strings.TrimSuffix(p, "/") == s {
			return true
		}
	}
	return false
}

// ErrNotProfile is returned by Merge for a model of another kind.
var ErrNotProfile = errors.New("not a profile model")

func itoa(n int) string { return strconv.Itoa(n) }

// Sensitive returns the absolute path prefixes of the credential,
// persistence and log paths whose reads weigh most (the critical class
// without its home-folder templates), for a live tracer that sends only
// the opens asked for.
func Sensitive() []string {
	var out []string
	for _, p := range critical {
		// Reads that every shell or name lookup makes weigh as system
		// reads (see class): not worth an event each.
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "#") || class(observe.KindRead, p) != classCritical {
			continue
		}
		out = append(out, p)
	}
	return out
}
