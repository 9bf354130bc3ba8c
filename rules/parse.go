package rules

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"detector/internal/safefile"
)

//go:embed default.yaml
var defaultRules []byte

// DefaultFile is the name errors give the embedded default rules.
const DefaultFile = "default.yaml"

// MaxFileBytes bounds a rule or allow-list file (4 MiB), MaxLineBytes
// one of its lines (64 KiB).
const (
	MaxFileBytes = 4 << 20
	MaxLineBytes = 64 << 10
)

// Rule is one behaviour rule as loaded.
type Rule struct {
	ID          string
	Severity    Severity
	Description string
	Tags        []string // MITRE ATT&CK technique ids
	// Tactics are the ATT&CK tactics the rule covers (short names such as
	// execution, see Tactics), as given, or else those of its techniques.
	Tactics        []string
	FalsePositives []string
	Syscalls       []string // the calls the rule looks at
	Output         string   // a one-line message; %field is replaced by the field's value
	Window         *Window  // nil: every match is a hit
	Examples       Examples
	Enabled        bool
	File           string // where the rule was (last) defined
	Line           int

	condNode *yaml.Node
	condFile string
	// tacticsGiven: Tactics come from the rule's tactics key, not from
	// its techniques.
	tacticsGiven bool
	cond         cond
	outParts     []outPart
	winField     int // field id of Window.Distinct, or -1
	idx          int // index in Set.active, for per-engine state
	// compatOnly: the condition holds only for calls through the i386
	// entry point (compatGated), so the engine skips it for the others.
	compatOnly bool
}

// Window makes a rule count: it hits once Count matches (or Count distinct
// values of the Distinct field) fall within Within.
type Window struct {
	Count    int
	Distinct string
	Within   time.Duration
}

// Examples are short strace logs (strace -f -yy -ttt -s 256 -v) that must
// and must not make the rule hit.
type Examples struct {
	Match   []Example
	NoMatch []Example
}

// Example is one example log and where it is written.
type Example struct {
	Text string
	File string
	Line int
}

type listDef struct {
	items []string
	file  string
	line  int
}

type macroDef struct {
	node *yaml.Node
	file string
}

// Set is a rule set: lists, macros and rules, compiled. Build it with
// Default or LoadFiles, or NewSet, Load and Compile.
type Set struct {
	lists  map[string]*listDef
	macros map[string]*macroDef
	rules  []*Rule
	byID   map[string]*Rule

	compiled bool
	memos    int // costly matchers numbered for the engine's memo
	// memoIDs numbers the costly matchers by what they ask (operator and
	// values): matchers asking the same, in several rules or macros,
	// share one number, so the engine computes their answer once per value.
	memoIDs map[string]int
	active  []*Rule               // enabled rules, in file order
	calls   map[string]*callRules // call name -> what to do with it
	// star holds the rules of syscalls "*" (every call) for the names no
	// other rule looks at; the star rules are in every calls entry too.
	// When each of them asks compat: true, starCompatOnly is set and the
	// engine hands star only the calls made through the i386 entry point.
	star           *callRules
	starCompatOnly bool
	// macroConds are the compiled macros, shared by the rules using them.
	macroConds map[string]*macroCond
	sysSets    [][]string        // the call-name sets of "syscall is" matchers, by sysIdx
	flagBit    map[string]uint64 // flag names of "has" matchers, each a bit of evalCtx.flagMask
	packages   bool              // an enabled rule reads exec.unowned or exec.modified
}

// callRules is what the engine does with one call name.
type callRules struct {
	rules  []*Rule
	state  stateOp
	atCall bool       // its first argument is a folder descriptor (AT_FDCWD</cwd>)
	paths  []pathSpec // pathArgs of the name
	// pure: the name's state change, if any, is an open's or a connect's
	// (proc.connected, which the engine sets before it looks); the engine
	// may then remember, for the texts of its calls that changed nothing,
	// the rules that found them false by pure fields alone (see
	// Engine.call and evalCtx.ruleImpure).
	pure    bool
	sysMask uint64 // the "syscall is" matchers the name satisfies
	idx     int    // index in Set.calls order, for per-engine state
	words   int    // 64-bit words of a bit set over rules
}

// FileError is an error at a place in a rule or allow-list file.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

func errAt(file string, n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &FileError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// NewSet returns an empty, uncompiled set.
func NewSet() *Set {
	return &Set{lists: map[string]*listDef{}, macros: map[string]*macroDef{}, byID: map[string]*Rule{}}
}

// Default returns the embedded default rules, compiled.
func Default() (*Set, error) {
	s := NewSet()
	if err := s.Load(DefaultFile, defaultRules); err != nil {
		return nil, err
	}
	return s, s.Compile()
}

// DefaultYAML returns the text of the embedded default rules.
func DefaultYAML() []byte { return append([]byte(nil), defaultRules...) }

// LoadFiles returns the default rules with the files loaded over them in
// order, compiled. A file named "off" empties the set (files after it
// still load).
func LoadFiles(files []string) (*Set, error) {
	s := NewSet()
	if err := s.Load(DefaultFile, defaultRules); err != nil {
		return nil, err
	}
	for _, f := range files {
		if f == "off" {
			s = NewSet()
			continue
		}
		data, err := readLimited(f)
		if err != nil {
			return nil, fmt.Errorf("read rules %s: %w", f, err)
		}
		if err := s.Load(f, data); err != nil {
			return nil, err
		}
	}
	return s, s.Compile()
}

// readLimited reads a rule or allow-list file: a regular file (opened
// without waiting, so a FIFO cannot hang the load), at most MaxFileBytes,
// no line longer than MaxLineBytes.
func readLimited(name string) ([]byte, error) {
	f, err := safefile.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b := make([]byte, 0, min(st.Size(), MaxFileBytes)+1)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > MaxFileBytes {
			return nil, fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)
		}
		if err != nil {
			break
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
	for line, rest := 1, b; len(rest) > 0; line++ {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			i = len(rest)
		}
		if i > MaxLineBytes {
			return nil, fmt.Errorf("line %d is longer than %d KiB", line, MaxLineBytes>>10)
		}
		rest = rest[min(i+1, len(rest)):]
	}
	return b, nil
}

// Rules returns the set's rules in file order, disabled ones included.
func (s *Set) Rules() []*Rule { return s.rules }

// Rule returns the rule with the id, or nil.
func (s *Set) Rule(id string) *Rule { return s.byID[id] }

// Active returns the enabled rules of a compiled set.
func (s *Set) Active() []*Rule { return s.active }

// Load adds the rule file data (named file in errors) to the set: new
// rules, lists and macros are added, known ones are overridden. The set
// must be compiled again afterwards.
func (s *Set) Load(file string, data []byte) error {
	s.compiled = false
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return yamlError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return errAt(file, root, "a rule file is a mapping with lists, macros and rules")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "lists":
			err = s.loadLists(file, v)
		case "macros":
			err = s.loadMacros(file, v)
		case "rules":
			err = s.loadRules(file, v)
		default:
			err = errAt(file, k, "unknown key %q (want lists, macros or rules)", k.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func yamlError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &FileError{File: file, Line: line, Msg: m[2]}
	}
	return &FileError{File: file, Msg: msg}
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (s *Set) loadLists(file string, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(file, n, "lists: want a mapping of list name to items")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !nameRE.MatchString(k.Value) {
			return errAt(file, k, "bad list name %q (lower-case letters, digits, - and _)", k.Value)
		}
		items, err := stringList(file, v)
		if err != nil {
			return err
		}
		s.lists[k.Value] = &listDef{items: items, file: file, line: k.Line}
	}
	return nil
}

func (s *Set) loadMacros(file string, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(file, n, "macros: want a mapping of macro name to condition")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !nameRE.MatchString(k.Value) {
			return errAt(file, k, "bad macro name %q (lower-case letters, digits, - and _)", k.Value)
		}
		s.macros[k.Value] = &macroDef{node: v, file: file}
	}
	return nil
}

var (
	idRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	tagRE    = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	callRE   = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
	ruleKeys = "id, severity, description, tags, tactics, falsepositives, syscalls, condition, output, window, examples, enabled"
)

func (s *Set) loadRules(file string, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return errAt(file, n, "rules: want a list of rules")
	}
	for _, rn := range n.Content {
		if err := s.loadRule(file, rn); err != nil {
			return err
		}
	}
	return nil
}

func (s *Set) loadRule(file string, rn *yaml.Node) error {
	if rn.Kind != yaml.MappingNode {
		return errAt(file, rn, "a rule is a mapping (%s)", ruleKeys)
	}
	var idNode *yaml.Node
	for i := 0; i+1 < len(rn.Content); i += 2 {
		if rn.Content[i].Value == "id" {
			idNode = rn.Content[i+1]
		}
	}
	if idNode == nil {
		return errAt(file, rn, "rule without id")
	}
	if idNode.Kind != yaml.ScalarNode || !idRE.MatchString(idNode.Value) {
		return errAt(file, idNode, "bad rule id %q (lower-case letters, digits and -)", idNode.Value)
	}
	r := s.byID[idNode.Value]
	isNew := r == nil
	if isNew {
		r = &Rule{ID: idNode.Value, Enabled: true}
	} else {
		cp := *r
		r = &cp
	}
	r.File, r.Line = file, rn.Line
	seen := map[string]bool{}
	for i := 0; i+1 < len(rn.Content); i += 2 {
		k, v := rn.Content[i], rn.Content[i+1]
		if seen[k.Value] {
			return errAt(file, k, "rule %s: %s given twice", r.ID, k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "id":
		case "severity":
			sv, ok := ParseSeverity(v.Value)
			if v.Kind != yaml.ScalarNode || !ok || sv == None {
				err = errAt(file, v, "rule %s: severity %q is not INFO, WARNING or ALERT", r.ID, v.Value)
			}
			r.Severity = sv
		case "description":
			r.Description, err = scalar(file, v, "description")
		case "output":
			r.Output, err = scalar(file, v, "output")
		case "tags":
			r.Tags, err = stringList(file, v)
			for j, t := range r.Tags {
				if err == nil && !tagRE.MatchString(t) {
					err = errAt(file, item(v, j), "rule %s: tag %q is not a MITRE ATT&CK technique id (T1059, T1059.004)", r.ID, t)
				}
			}
		case "tactics":
			r.Tactics, err = stringList(file, v)
			for j, t := range r.Tactics {
				if _, ok := tacticIndex[t]; err == nil && !ok {
					err = errAt(file, item(v, j), "rule %s: %q is not an ATT&CK tactic (%s)", r.ID, t, strings.Join(TacticNames(), ", "))
				}
			}
			r.tacticsGiven = err == nil && len(r.Tactics) > 0
		case "falsepositives":
			r.FalsePositives, err = stringList(file, v)
		case "syscalls":
			r.Syscalls, err = stringList(file, v)
			for j, c := range r.Syscalls {
				if err == nil && c != "*" && !callRE.MatchString(c) {
					err = errAt(file, item(v, j), "rule %s: %q is not a system call name", r.ID, c)
				}
			}
			if err == nil && len(r.Syscalls) == 0 {
				err = errAt(file, v, "rule %s: syscalls is empty", r.ID)
			}
		case "condition":
			r.condNode, r.condFile = v, file
		case "window":
			r.Window, err = parseWindow(file, r.ID, v)
		case "examples":
			r.Examples, err = parseExamples(file, r.ID, v)
		case "enabled":
			if v.Kind != yaml.ScalarNode || (v.Value != "true" && v.Value != "false") {
				err = errAt(file, v, "rule %s: enabled is true or false, not %q", r.ID, v.Value)
			}
			r.Enabled = v.Value == "true"
		default:
			err = errAt(file, k, "rule %s: unknown key %q (want %s)", r.ID, k.Value, ruleKeys)
		}
		if err != nil {
			return err
		}
	}
	if isNew && r.Enabled {
		var missing []string
		if r.Severity == None {
			missing = append(missing, "severity")
		}
		if r.Description == "" {
			missing = append(missing, "description")
		}
		if len(r.Syscalls) == 0 {
			missing = append(missing, "syscalls")
		}
		if r.condNode == nil {
			missing = append(missing, "condition")
		}
		if len(missing) > 0 {
			return errAt(file, rn, "rule %s: missing %s", r.ID, strings.Join(missing, ", "))
		}
	}
	if isNew {
		s.rules = append(s.rules, r)
	} else {
		for i, o := range s.rules {
			if o.ID == r.ID {
				s.rules[i] = r
			}
		}
	}
	s.byID[r.ID] = r
	return nil
}

// item is the node of the j-th value of stringList(v): v itself for a
// single value.
func item(v *yaml.Node, j int) *yaml.Node {
	if v.Kind == yaml.SequenceNode && j < len(v.Content) {
		return v.Content[j]
	}
	return v
}

func scalar(file string, v *yaml.Node, what string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", errAt(file, v, "%s: want text", what)
	}
	return v.Value, nil
}

func stringList(file string, v *yaml.Node) ([]string, error) {
	if v.Kind == yaml.ScalarNode {
		return []string{v.Value}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, errAt(file, v, "want a list of values")
	}
	out := make([]string, 0, len(v.Content))
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode {
			return nil, errAt(file, e, "want a plain value, not a %s", kindName(e))
		}
		out = append(out, e.Value)
	}
	return out, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

func parseWindow(file, id string, v *yaml.Node) (*Window, error) {
	if v.Kind != yaml.MappingNode {
		return nil, errAt(file, v, "rule %s: window: want a mapping with count, within and optional distinct", id)
	}
	w := &Window{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "count":
			n, err := strconv.Atoi(x.Value)
			if err != nil || n < 1 || n > 100000 {
				return nil, errAt(file, x, "rule %s: window count %q is not a number from 1 to 100000", id, x.Value)
			}
			w.Count = n
		case "within":
			d, err := time.ParseDuration(x.Value)
			if err != nil || d <= 0 || d > 24*time.Hour {
				return nil, errAt(file, x, "rule %s: window within %q is not a duration up to 24h (10s, 500ms)", id, x.Value)
			}
			w.Within = d
		case "distinct":
			f, ok := fieldByName[x.Value]
			if !ok || fields[f].kind != kindString && fields[f].kind != kindInt {
				return nil, errAt(file, x, "rule %s: window distinct %q is not a string or number field", id, x.Value)
			}
			w.Distinct = x.Value
		default:
			return nil, errAt(file, k, "rule %s: window: unknown key %q (want count, within, distinct)", id, k.Value)
		}
	}
	if w.Count == 0 || w.Within == 0 {
		return nil, errAt(file, v, "rule %s: window needs count and within", id)
	}
	return w, nil
}

func parseExamples(file, id string, v *yaml.Node) (Examples, error) {
	var ex Examples
	if v.Kind != yaml.MappingNode {
		return ex, errAt(file, v, "rule %s: examples: want a mapping with match and nomatch", id)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		var dst *[]Example
		switch k.Value {
		case "match":
			dst = &ex.Match
		case "nomatch":
			dst = &ex.NoMatch
		default:
			return ex, errAt(file, k, "rule %s: examples: unknown key %q (want match, nomatch)", id, k.Value)
		}
		if x.Kind != yaml.SequenceNode {
			return ex, errAt(file, x, "rule %s: examples %s: want a list of strace logs", id, k.Value)
		}
		for _, e := range x.Content {
			if e.Kind != yaml.ScalarNode {
				return ex, errAt(file, e, "rule %s: an example is strace text", id)
			}
			*dst = append(*dst, Example{Text: e.Value, File: file, Line: e.Line})
		}
	}
	return ex, nil
}

// Compile resolves lists and macros and compiles every enabled rule.
func (s *Set) Compile() error {
	s.active = s.active[:0]
	s.packages = false
	s.memos = 0
	s.memoIDs = map[string]int{}
	s.macroConds = map[string]*macroCond{}
	s.sysSets = nil
	s.flagBit = map[string]uint64{}
	s.calls = map[string]*callRules{}
	for name, op := range stateCalls {
		s.calls[name] = &callRules{state: op}
	}
	var star []*Rule
	for _, r := range s.rules {
		if !r.Enabled {
			continue
		}
		if r.Severity == None || len(r.Syscalls) == 0 || r.condNode == nil {
			return errAt(r.File, &yaml.Node{Line: r.Line}, "rule %s: an override of a rule not defined before needs severity, description, syscalls and condition", r.ID)
		}
		if !r.tacticsGiven {
			r.Tactics = deriveTactics(r.Tags)
		}
		c, err := s.compileCond(r.condFile, r.condNode, nil)
		if err != nil {
			return err
		}
		r.cond = c
		if r.outParts, err = compileOutput(r.Output); err != nil {
			return errAt(r.File, &yaml.Node{Line: r.Line}, "rule %s: output: %v", r.ID, err)
		}
		r.winField = -1
		r.compatOnly = compatGated(c)
		if r.Window != nil && r.Window.Distinct != "" {
			r.winField = fieldByName[r.Window.Distinct]
		}
		r.idx = len(s.active)
		s.active = append(s.active, r)
		for _, name := range r.Syscalls {
			if name == "*" {
				star = append(star, r)
				continue
			}
			cr := s.calls[name]
			if cr == nil {
				cr = &callRules{}
				s.calls[name] = cr
			}
			cr.rules = append(cr.rules, r)
		}
	}
	s.star, s.starCompatOnly = nil, false
	if len(star) > 0 {
		s.starCompatOnly = true
		for _, r := range star {
			s.starCompatOnly = s.starCompatOnly && compatGated(r.cond)
		}
		for _, cr := range s.calls {
			for _, r := range star {
				if !slices.Contains(cr.rules, r) {
					cr.rules = append(cr.rules, r)
				}
			}
		}
		// Not pure: one entry for many names, whose texts the quiet keys
		// would mix.
		s.star = &callRules{rules: star, idx: len(s.calls), words: (len(star) + 63) / 64}
	}
	idx := 0
	for name, cr := range s.calls {
		cr.idx = idx
		cr.words = (len(cr.rules) + 63) / 64
		idx++
		for i, set := range s.sysSets {
			if contains(set, name) {
				cr.sysMask |= 1 << i
			}
		}
		cr.paths = pathArgs[name]
		cr.pure = cr.state == stNone || cr.state == stOpen || cr.state == stConnect
		for _, ps := range pathArgs[name] {
			if ps.dir == 0 {
				cr.atCall = true
			}
		}
	}
	s.compiled = true
	return nil
}

// UsesPackages says whether an enabled rule asks the package database
// (exec.unowned, exec.modified).
func (s *Set) UsesPackages() bool { return s.packages }

// DecodedCalls returns the call names whose arguments the engine decodes
// (asked for by a rule or by the process state), sorted.
func (s *Set) DecodedCalls() []string {
	out := make([]string, 0, len(s.calls))
	for n := range s.calls {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

const maxMacroDepth = 16

// maxMemos bounds the matchers whose answers the engine remembers per
// value (see memoTable): 2*maxMemos/64 words per value remembered.
const maxMemos = 512

// maxPatternBytes bounds one glob or regex, and with it the cost of a
// match: a glob costs at most its length times the value's.
const maxPatternBytes = 1024

var matcherOps = map[fieldKind][]string{
	kindString: {"is", "prefix", "suffix", "contains", "glob", "regex", "cidr"},
	kindInt:    {"is", "lt", "le", "gt", "ge", "bits"},
	kindBool:   {"is"},
	kindFlags:  {"has"},
}

func (s *Set) compileCond(file string, n *yaml.Node, stack []string) (cond, error) {
	if len(stack) > maxMacroDepth {
		return nil, errAt(file, n, "macros nested deeper than %d: %s", maxMacroDepth, strings.Join(stack, " -> "))
	}
	if n.Kind == yaml.SequenceNode { // a list is all of its items
		return s.compileList(file, n, stack)
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return nil, errAt(file, n, "a condition is a mapping with one key: all, any, not, macro or a field")
	}
	k, v := n.Content[0], n.Content[1]
	switch k.Value {
	case "all", "any":
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			return nil, errAt(file, v, "%s: want a non-empty list of conditions", k.Value)
		}
		var out []cond
		for _, e := range v.Content {
			c, err := s.compileCond(file, e, stack)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if k.Value == "all" {
			return pureFirst(out), nil
		}
		return anyCond(out), nil
	case "not":
		c, err := s.compileCond(file, v, stack)
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	case "macro":
		if v.Kind != yaml.ScalarNode {
			return nil, errAt(file, v, "macro: want a macro name")
		}
		m := s.macros[v.Value]
		if m == nil {
			return nil, errAt(file, v, "unknown macro %q", v.Value)
		}
		for _, x := range stack {
			if x == v.Value {
				return nil, errAt(file, v, "macro %q refers to itself: %s -> %s", v.Value, strings.Join(stack, " -> "), v.Value)
			}
		}
		if mc := s.macroConds[v.Value]; mc != nil {
			return mc, nil
		}
		c, err := s.compileCond(m.file, m.node, append(stack, v.Value))
		if err != nil {
			return nil, err
		}
		mc := &macroCond{idx: len(s.macroConds), c: c}
		s.macroConds[v.Value] = mc
		return mc, nil
	}
	fid, ok := fieldByName[k.Value]
	if !ok {
		return nil, errAt(file, k, "unknown field or operator %q (all, any, not, macro, or a field such as syscall, path, proc.exe; 'detector rules fields' lists them)", k.Value)
	}
	return s.compileField(file, fid, v)
}

func (s *Set) compileList(file string, n *yaml.Node, stack []string) (cond, error) {
	var out allCond
	for _, e := range n.Content {
		c, err := s.compileCond(file, e, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return pureFirst(out), nil
}

func (s *Set) compileField(file string, fid int, v *yaml.Node) (cond, error) {
	d := fields[fid]
	fc := &fieldCond{field: fid}
	s.packages = s.packages || d.name == "exec.unowned" || d.name == "exec.modified"
	if v.Kind == yaml.ScalarNode || v.Kind == yaml.SequenceNode { // shorthand for is (has for flags)
		op := "is"
		if d.kind == kindFlags {
			op = "has"
		}
		v = &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: op, Line: v.Line}, v}}
	}
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return nil, errAt(file, v, "field %s: want a mapping of matchers (%s)", d.name, strings.Join(matcherOps[d.kind], ", "))
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		if !contains(matcherOps[d.kind], k.Value) {
			return nil, errAt(file, k, "field %s (%s) has no matcher %q (want %s)", d.name, d.kind, k.Value, strings.Join(matcherOps[d.kind], ", "))
		}
		switch d.kind {
		case kindBool:
			if x.Kind != yaml.ScalarNode || (x.Value != "true" && x.Value != "false") {
				return nil, errAt(file, x, "field %s: is true or false, not %q", d.name, x.Value)
			}
			b := x.Value == "true"
			fc.boolV = &b
		case kindInt:
			m, err := s.numMatcher(file, d.name, k.Value, x)
			if err != nil {
				return nil, err
			}
			fc.num = append(fc.num, m)
		default:
			m, err := s.strMatcher(file, d.name, k.Value, x)
			if err != nil {
				return nil, err
			}
			fc.str = append(fc.str, m)
		}
	}
	return fc, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// values returns a matcher's values with "@list" references expanded.
func (s *Set) values(file string, x *yaml.Node) ([]string, error) {
	vals, err := stringList(file, x)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, v := range vals {
		if strings.HasPrefix(v, "@") {
			l := s.lists[v[1:]]
			if l == nil {
				at := x
				if x.Kind == yaml.SequenceNode {
					at = x.Content[i]
				}
				return nil, errAt(file, at, "unknown list %q", v[1:])
			}
			out = append(out, l.items...)
			continue
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errAt(file, x, "no values")
	}
	return out, nil
}

func (s *Set) strMatcher(file, field, op string, x *yaml.Node) (strMatcher, error) {
	vals, err := s.values(file, x)
	if err != nil {
		return strMatcher{}, err
	}
	m := strMatcher{op: op, list: vals, memo: -1, sysIdx: -1}
	if field == "syscall" && op == "is" && len(s.sysSets) < 64 {
		m.sysIdx = len(s.sysSets)
		s.sysSets = append(s.sysSets, vals)
	}
	if op == "glob" || op == "regex" || op == "cidr" || len(vals) > 4 && op != "is" {
		key := op + "\x00" + strings.Join(vals, "\x00")
		if id, ok := s.memoIDs[key]; ok {
			m.memo = id
		} else if s.memos < maxMemos {
			m.memo = s.memos
			s.memoIDs[key] = s.memos
			s.memos++
		}
	}
	switch op {
	case "is", "has":
		m.set = make(map[string]bool, len(vals))
		for _, v := range vals {
			m.set[v] = true
		}
		if op == "has" {
			m.flagBits = 0
			for _, v := range vals {
				b, ok := s.flagBit[v]
				if !ok && len(s.flagBit) < 64 {
					b = uint64(1) << len(s.flagBit)
					s.flagBit[v] = b
				}
				if b == 0 {
					m.flagBits = 0
					break // more than 64 flag names: the set is tested instead
				}
				m.flagBits |= b
			}
		}
	case "glob":
		for _, v := range vals {
			g := newGlob(v)
			if len(v) > maxPatternBytes {
				return m, errAt(file, x, "field %s: glob longer than %d bytes", field, maxPatternBytes)
			}
			if !g.valid() {
				return m, errAt(file, x, "field %s: bad glob %q", field, v)
			}
			m.globs = append(m.globs, g)
		}
	case "regex":
		for _, v := range vals {
			if len(v) > maxPatternBytes {
				return m, errAt(file, x, "field %s: regex longer than %d bytes", field, maxPatternBytes)
			}
		}
		re, err := regexp.Compile(strings.Join(wrapAlt(vals), "|"))
		if err != nil {
			return m, errAt(file, x, "field %s: bad regex: %v", field, err)
		}
		m.re = re
	case "cidr":
		for _, v := range vals {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return m, errAt(file, x, "field %s: bad CIDR %q", field, v)
			}
			m.cidrs = append(m.cidrs, p.Masked())
		}
	}
	return m, nil
}

func wrapAlt(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = "(?:" + v + ")"
	}
	return out
}

func (s *Set) numMatcher(file, field, op string, x *yaml.Node) (numMatcher, error) {
	vals, err := s.values(file, x)
	if err != nil {
		return numMatcher{}, err
	}
	nums := make([]int64, len(vals))
	for i, v := range vals {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return numMatcher{}, errAt(file, x, "field %s: %q is not a number (decimal, 0x hex or 0o octal)", field, v)
		}
		nums[i] = n
	}
	m := numMatcher{op: op, v: nums[0]}
	if op == "is" {
		m.set = map[int64]bool{}
		for _, n := range nums {
			m.set[n] = true
		}
	} else if len(nums) != 1 {
		return m, errAt(file, x, "field %s: %s takes one number", field, op)
	}
	return m, nil
}

// outPart is a piece of an output template: literal text or a field.
type outPart struct {
	text  string
	field int // -1 for text
}

var outField = regexp.MustCompile(`%[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?`)

func compileOutput(tmpl string) ([]outPart, error) {
	if strings.ContainsAny(tmpl, "\n\r") {
		return nil, errors.New("must be one line")
	}
	var parts []outPart
	last := 0
	for _, loc := range outField.FindAllStringIndex(tmpl, -1) {
		name := tmpl[loc[0]+1 : loc[1]]
		id, ok := fieldByName[name]
		if !ok {
			return nil, fmt.Errorf("unknown field %%%s", name)
		}
		parts = append(parts, outPart{text: tmpl[last:loc[0]], field: -1}, outPart{field: id})
		last = loc[1]
	}
	parts = append(parts, outPart{text: tmpl[last:], field: -1})
	return parts, nil
}

// ConditionYAML returns the rule's condition as written, in YAML.
func (r *Rule) ConditionYAML() string {
	if r.condNode == nil {
		return ""
	}
	b, err := yaml.Marshal(r.condNode)
	if err != nil {
		return ""
	}
	return string(b)
}

// Field describes a field conditions may name.
type Field struct {
	Name string
	Type string // string, number, boolean or flags
	Doc  string
}

// Fields lists the fields conditions and outputs may name, with the
// matchers each type takes.
func Fields() []Field {
	out := make([]Field, len(fields))
	for i, f := range fields {
		out[i] = Field{Name: f.name, Type: f.kind.String(), Doc: f.doc}
	}
	return out
}

// Matchers returns the matchers a field type takes.
func Matchers(typ string) []string {
	for k, ops := range matcherOps {
		if k.String() == typ {
			return ops
		}
	}
	return nil
}

// List returns the items of the named list (nil when there is none), for
// checks outside the engine that should agree with the rules (the live
// monitor's /proc source). The slice is the set's own: do not change it.
func (s *Set) List(name string) []string {
	if l := s.lists[name]; l != nil {
		return l.items
	}
	return nil
}

// compatGated reports whether c can hold only for a call made through the
// i386 entry point: it is compat: true, or all of a list with it.
func compatGated(c cond) bool {
	switch x := c.(type) {
	case *fieldCond:
		return fields[x.field].name == "compat" && x.boolV != nil && *x.boolV
	case allCond:
		for _, y := range x {
			if compatGated(y) {
				return true
			}
		}
	case *macroCond:
		return compatGated(x.c)
	}
	return false
}
