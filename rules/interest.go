package rules

import "strings"

// OpenInterest tells which read-only opens (open, openat and openat2
// without O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or O_APPEND) the enabled
// rules could use, so that a tracer may leave the others in the kernel:
// the absolute paths (exact) and path prefixes named by the rules, and,
// with dot, the paths holding a "/." component (hidden files, such as
// "*/.ssh/id_*"). all is set when some enabled rule could match a
// read-only open of any path (a condition on the program, not the path):
// then every open must be seen. Relative paths are always to be seen,
// since only the tracer's user side knows their folder.
//
// The answer is conservative: a rule's condition is restricted by the
// path matchers ("is", "prefix", "glob") of its conjunctions, by flag
// matchers that need a write flag and by call-name matchers without the
// open calls; anything else (not, regex, another field) is taken to
// match every path.
func (s *Set) OpenInterest() (prefixes, exact []string, dot, all bool) {
	seenP, seenE := map[string]bool{}, map[string]bool{}
	for _, r := range s.active {
		if !readsOpens(r.Syscalls) {
			continue
		}
		rs := restrictOf(r.cond)
		if rs.any {
			return nil, nil, false, true
		}
		for _, p := range rs.pats {
			switch {
			case p.op == "is" && strings.HasPrefix(p.v, "/"):
				if !seenE[p.v] {
					seenE[p.v] = true
					exact = append(exact, p.v)
				}
			case p.op == "prefix" && strings.HasPrefix(p.v, "/"):
				if !seenP[p.v] {
					seenP[p.v] = true
					prefixes = append(prefixes, p.v)
				}
			case p.op == "glob" && strings.HasPrefix(p.v, "/"):
				head := p.v
				if i := strings.IndexAny(head, "*?[\\"); i >= 0 {
					head = head[:i]
				}
				if head == p.v {
					if !seenE[head] {
						seenE[head] = true
						exact = append(exact, head)
					}
				} else if !seenP[head] {
					seenP[head] = true
					prefixes = append(prefixes, head)
				}
			case p.op == "glob" && strings.HasPrefix(p.v, "*/.") && !strings.ContainsAny(p.v[3:4], "*?[\\"):
				dot = true
			default:
				return nil, nil, false, true
			}
		}
	}
	return prefixes, exact, dot, false
}

// readsOpens tells whether a rule looking at calls reads open calls.
func readsOpens(calls []string) bool {
	if len(calls) == 0 {
		return true
	}
	for _, c := range calls {
		switch c {
		case "open", "openat", "openat2":
			return true
		}
	}
	return false
}

type pathPat struct{ op, v string }

// restriction is what a condition says of a read-only open's path: any
// path (any), or one matching a pattern of pats (none when pats is empty).
type restriction struct {
	any  bool
	pats []pathPat
}

var anyPath = restriction{any: true}

// writeFlags are the open flags a read-only open has none of.
var writeFlags = map[string]bool{"O_WRONLY": true, "O_RDWR": true, "O_CREAT": true, "O_TRUNC": true, "O_APPEND": true}

func restrictOf(c cond) restriction {
	switch c := c.(type) {
	case allCond:
		// A conjunction matches no more than any of its parts: the
		// narrowest known part restricts it.
		best := anyPath
		for _, x := range c {
			r := restrictOf(x)
			if r.any {
				continue
			}
			if best.any || len(r.pats) < len(best.pats) {
				best = r
			}
		}
		return best
	case anyCond:
		var out restriction
		for _, x := range c {
			r := restrictOf(x)
			if r.any {
				return anyPath
			}
			out.pats = append(out.pats, r.pats...)
		}
		return out
	case *macroCond:
		return restrictOf(c.c)
	case *fieldCond:
		return fieldRestriction(c)
	}
	return anyPath
}

func fieldRestriction(f *fieldCond) restriction {
	name := fields[f.field].name
	switch name {
	case "path", "paths":
		// Every matcher must hold for one value: any one restricts.
		for _, m := range f.str {
			switch m.op {
			case "is", "prefix":
				r := restriction{pats: []pathPat{}}
				for _, v := range m.list {
					r.pats = append(r.pats, pathPat{m.op, v})
				}
				return r
			case "glob":
				r := restriction{pats: []pathPat{}}
				for _, g := range m.globs {
					r.pats = append(r.pats, pathPat{"glob", g.pat})
				}
				return r
			}
		}
	case "flags":
		for _, m := range f.str {
			if m.op != "has" || len(m.list) == 0 {
				continue
			}
			w := true
			for _, v := range m.list {
				w = w && writeFlags[v]
			}
			if w {
				return restriction{} // a write: no read-only open
			}
		}
	case "syscall":
		for _, m := range f.str {
			if m.op != "is" {
				continue
			}
			if !readsOpens(m.list) {
				return restriction{}
			}
		}
	}
	return anyPath
}
