package rules

import "strings"

// OpenHidden names the hidden names (path components starting with a
// dot, such as ".ssh") that the enabled rules' "*/.NAME..." globs could
// match in a read-only open: what OpenInterest's dot stands for, so that
// a tracer's filter sends the paths with these hidden names and keeps
// those with others (".cache", ".git"). A name ending with "*" is the
// start of names: the glob goes on with a wildcard within the name
// ("*/.msal*"). Where OpenInterest's all is set the answer means
// nothing; where dot is not, it is empty (not nil).
func (s *Set) OpenHidden() []string {
	names := []string{}
	seen := map[string]bool{}
	for _, r := range s.active {
		if !readsOpens(r.Syscalls) {
			continue
		}
		rs := restrictOf(r.cond)
		for _, p := range rs.pats {
			if p.op != "glob" || !strings.HasPrefix(p.v, "*/.") {
				continue
			}
			if n := hiddenName(p.v[2:]); !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}

// hiddenName is the hidden name that glob rest (".ssh/id_*") starts with:
// up to its first '/' (".ssh"), or up to a wildcard within the name,
// then "*" (".msal*").
func hiddenName(rest string) string {
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '/':
			return rest[:i]
		case '*', '?', '[', '\\':
			return rest[:i] + "*"
		}
	}
	return rest
}
