package rules

import (
	"net/netip"
	"regexp"
	"strings"
)

// cond is a compiled condition.
type cond interface {
	eval(c *evalCtx) bool
}

type allCond []cond

func (a allCond) eval(c *evalCtx) bool {
	for _, x := range a {
		if !x.eval(c) {
			return false
		}
	}
	return true
}

// pureFirst orders the items of an all so that those reading only pure
// fields (the call's own text, see pureFields) come first, keeping the
// order within each group. The items have no effect but their answer, so
// the conjunction is the same; but a call whose text already makes a pure
// item false is then false by pure fields alone, never reads the
// process, and the engine's quiet cache can skip the rule the next time
// the same text comes (see Engine.call).
func pureFirst(items []cond) allCond {
	out := make(allCond, 0, len(items))
	for _, x := range items {
		if condPure(x) {
			out = append(out, x)
		}
	}
	for _, x := range items {
		if !condPure(x) {
			out = append(out, x)
		}
	}
	return out
}

// condsPure says whether every one of conditions reads pure fields only.
func condsPure(cs []cond) bool {
	for _, c := range cs {
		if !condPure(c) {
			return false
		}
	}
	return true
}

// condPure says whether a condition reads pure fields only.
func condPure(c cond) bool {
	switch x := c.(type) {
	case allCond:
		return condsPure(x)
	case anyCond:
		return condsPure(x)
	case notCond:
		return condPure(x.c)
	case *macroCond:
		return condPure(x.c)
	case *fieldCond:
		return fieldPure[x.field]
	}
	return false
}

type anyCond []cond

func (a anyCond) eval(c *evalCtx) bool {
	for _, x := range a {
		if x.eval(c) {
			return true
		}
	}
	return false
}

// macroCond is a macro's condition; its result is computed once per call,
// however many rules use the macro.
type macroCond struct {
	idx int // < 64: cached in evalCtx.macroKnown/macroVal
	c   cond
}

func (m *macroCond) eval(c *evalCtx) bool {
	if m.idx >= 64 {
		return m.c.eval(c)
	}
	bit := uint64(1) << m.idx
	if c.macroKnown&bit != 0 {
		// A remembered answer that read an impure field makes the rule
		// reading it impure too.
		if c.macroImpure&bit != 0 {
			c.ruleImpure = true
		}
		return c.macroVal&bit != 0
	}
	outer := c.ruleImpure
	c.ruleImpure = false
	r := m.c.eval(c)
	c.macroKnown |= bit
	if r {
		c.macroVal |= bit
	}
	if c.ruleImpure {
		c.macroImpure |= bit
	}
	c.ruleImpure = c.ruleImpure || outer
	return r
}

type notCond struct{ c cond }

func (n notCond) eval(c *evalCtx) bool { return !n.c.eval(c) }

// fieldCond holds when one value of the field satisfies every matcher.
type fieldCond struct {
	field int
	str   []strMatcher
	num   []numMatcher
	boolV *bool
}

func (f *fieldCond) eval(c *evalCtx) bool {
	d := fields[f.field]
	if !fieldPure[f.field] {
		c.ruleImpure = true
	}
	switch d.kind {
	case kindBool:
		return d.bool(c) == *f.boolV
	case kindInt:
		v, ok := d.num(c)
		if !ok {
			return false
		}
		for _, m := range f.num {
			if !m.match(v) {
				return false
			}
		}
		return true
	case kindFlags:
		for i := range f.str {
			m := &f.str[i]
			if m.flagBits != 0 {
				if c.flags()&m.flagBits == 0 {
					return false
				}
			} else if !m.matchSet(c.strField(f.field)) {
				return false
			}
		}
		return true
	}
	if f.field == syscallField && len(f.str) == 1 && f.str[0].sysIdx >= 0 {
		return c.sysMask&(1<<f.str[0].sysIdx) != 0
	}
	for _, v := range c.strField(f.field) {
		ok := true
		for i := range f.str {
			if !f.str[i].matchMemo(c, v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// strMatcher tests one string value against a list of patterns (any of
// them).
type strMatcher struct {
	memo   int // index in the engine's memo of answers, or -1
	sysIdx int // for an "is" on the call name: bit in evalCtx.sysMask, or -1
	// flagBits are the bits of a "has" matcher's flags in evalCtx.flagMask
	// (0 when the set must be tested instead).
	flagBits uint64
	op       string
	set      map[string]bool
	list     []string
	globs    []glob
	re       *regexp.Regexp
	cidrs    []netip.Prefix
}

// matchMemo is match with the answers of costly matchers (globs, regexes,
// long lists) remembered per value by the engine: traces name the same
// paths again and again.
func (m *strMatcher) matchMemo(c *evalCtx, v string) bool {
	if m.memo < 0 || c.e == nil {
		return m.match(v)
	}
	t := &c.e.memo
	// Several matchers of a call usually test the same value (the path):
	// the context keeps the entry of the last value looked up.
	if !c.memoSet || c.memoV != v {
		off, ok := t.idx[v]
		if !ok {
			off = -1
		}
		c.memoV, c.memoOff, c.memoSet = v, off, true
	}
	w, word, bit := t.words, m.memo>>6, uint64(1)<<(m.memo&63)
	if c.memoOff >= 0 {
		if b := t.bits[c.memoOff:]; b[word]&bit != 0 {
			return b[w+word]&bit != 0
		}
	}
	r := m.match(v)
	if c.memoOff < 0 {
		c.memoOff = t.add(v)
	}
	b := t.bits[c.memoOff:]
	b[word] |= bit
	if r {
		b[w+word] |= bit
	}
	return r
}

// maxMemo bounds the engine's memo of matcher answers; past it the memo
// starts afresh.
const maxMemo = 16384

// memoTable remembers, per value, the answers of the costly matchers
// (strMatcher.memo numbers them): each value's entry is words words of
// bits saying which matchers were asked, then words words of their
// answers, in one slice, so that a value costs one map entry however many
// matchers ask about it.
type memoTable struct {
	idx   map[string]int32 // value -> offset of its entry in bits
	bits  []uint64
	words int
}

func newMemoTable(memos int) memoTable {
	return memoTable{idx: map[string]int32{}, words: (memos + 63) / 64}
}

// add makes an empty entry for v (which may alias the call's argument
// text: the table keeps a copy) and returns its offset.
func (t *memoTable) add(v string) int32 {
	if len(t.idx) >= maxMemo {
		clear(t.idx)
		t.bits = t.bits[:0]
	}
	off := int32(len(t.bits))
	for range 2 * t.words {
		t.bits = append(t.bits, 0)
	}
	t.idx[strings.Clone(v)] = off
	return off
}

func (m *strMatcher) match(v string) bool {
	switch m.op {
	case "is":
		return m.set[v]
	case "prefix":
		for _, p := range m.list {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
	case "suffix":
		for _, p := range m.list {
			if strings.HasSuffix(v, p) {
				return true
			}
		}
	case "contains":
		for _, p := range m.list {
			if strings.Contains(v, p) {
				return true
			}
		}
	case "glob":
		for _, g := range m.globs {
			if g.match(v) {
				return true
			}
		}
	case "regex":
		return m.re.MatchString(v)
	case "cidr":
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		ip = ip.Unmap()
		for _, p := range m.cidrs {
			if p.Contains(ip) {
				return true
			}
		}
	}
	return false
}

// matchSet is the flag test: any of the listed flags is in the set.
func (m *strMatcher) matchSet(vals []string) bool {
	for _, v := range vals {
		if m.set[v] {
			return true
		}
	}
	return false
}

type numMatcher struct {
	op  string
	v   int64
	set map[int64]bool
}

func (m numMatcher) match(v int64) bool {
	switch m.op {
	case "is":
		return m.set[v]
	case "lt":
		return v < m.v
	case "le":
		return v <= m.v
	case "gt":
		return v > m.v
	case "ge":
		return v >= m.v
	case "bits":
		return v&m.v != 0
	}
	return false
}

// glob is a shell-like pattern over a whole string: '*' matches any run of
// bytes, '/' included; '?' matches one byte; "[...]" a class as in
// path.Match; '\' quotes the next byte.
type glob struct {
	pat string
	// Literal parts every match contains, tested before the full match:
	// the text before the first wildcard, after the last one, and the
	// longest run between.
	head, tail, lit string
}

func newGlob(pat string) glob {
	g := glob{pat: pat}
	meta := func(c byte) bool { return c == '*' || c == '?' || c == '[' || c == '\\' }
	i := 0
	for i < len(pat) && !meta(pat[i]) {
		i++
	}
	g.head = pat[:i]
	if i == len(pat) {
		return g // no wildcard: the full match compares the rest
	}
	j := len(pat)
	for j > i && !meta(pat[j-1]) && pat[j-1] != ']' {
		j--
	}
	if j > 0 && pat[j-1] != '\\' && (j < 2 || pat[j-2] != '\\') {
		g.tail = pat[j:]
	}
	// The longest run of plain bytes outside classes.
	start, inClass := -1, false
	for k := 0; k <= len(pat); k++ {
		plain := k < len(pat) && !inClass && !meta(pat[k]) && pat[k] != ']'
		if k < len(pat) {
			switch {
			case pat[k] == '[' && !inClass:
				inClass = true
			case pat[k] == ']' && inClass:
				inClass = false
			}
		}
		if plain && start < 0 {
			start = k
		}
		if !plain && start >= 0 {
			if k-start > len(g.lit) && (start == 0 || pat[start-1] != '\\') {
				g.lit = pat[start:k]
			}
			start = -1
		}
	}
	return g
}

// valid reports whether the pattern's classes and escapes are well formed.
func (g glob) valid() bool {
	p := g.pat
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 >= len(p) {
				return false
			}
			i++
		case '[':
			j := classEnd(p, i+1)
			if j < 0 {
				return false
			}
			i = j
		}
	}
	return true
}

// classEnd returns the index of the ']' closing a class whose body starts
// at i, or -1.
func classEnd(p string, i int) int {
	if i < len(p) && p[i] == '^' {
		i++
	}
	if i < len(p) && p[i] == ']' {
		i++
	}
	for ; i < len(p); i++ {
		if p[i] == ']' {
			return i
		}
	}
	return -1
}

func (g glob) match(s string) bool {
	if len(s) < len(g.head)+len(g.tail) || !strings.HasPrefix(s, g.head) || !strings.HasSuffix(s, g.tail) ||
		g.lit != "" && !strings.Contains(s, g.lit) {
		return false
	}
	p := g.pat
	// Iterative matching with one backtrack point for the last '*'.
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				pi++
				si++
				continue
			case '[':
				end := classEnd(p, pi+1)
				if end > 0 && classMatch(p[pi+1:end], s[si]) {
					pi = end + 1
					si++
					continue
				}
			case '\\':
				if pi+1 < len(p) && p[pi+1] == s[si] {
					pi += 2
					si++
					continue
				}
			default:
				if p[pi] == s[si] {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		pi, si = starP+1, starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func classMatch(class string, b byte) bool {
	neg := false
	if len(class) > 0 && class[0] == '^' {
		neg, class = true, class[1:]
	}
	in := false
	for i := 0; i < len(class); i++ {
		lo := class[i]
		if i+2 < len(class) && class[i+1] == '-' {
			if lo <= b && b <= class[i+2] {
				in = true
			}
			i += 2
			continue
		}
		if lo == b {
			in = true
		}
	}
	return in != neg
}
