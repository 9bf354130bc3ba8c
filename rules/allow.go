package rules

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"detector/hint"
	"detector/internal/digest"
)

// AllowList holds allow-list entries. An entry removes a hit when every
// key it gives matches; the keys are
//
//	rule:       a rule id
//	exe:        the executable of the process that made the call (exact path)
//	exe_prefix: a prefix of that path (a folder ends in /)
//	sha256:        the sha256 of that executable, or of the sample
//	parent:        the parent's executable (exact absolute path)
//	parent_sha256: the sha256 of the parent's executable
//	comment:       free text, ignored
//
// Processes are matched by what they cannot choose: the path the kernel
// ran and the file's digest. A bare name (comm, argv[0], a prctl name or
// the last element of a path) is something any program can give itself,
// so a parent entry that is not an absolute path is refused.
//
// An AllowList is safe for concurrent use.
type AllowList struct {
	entries []allowEntry

	hashes digest.Cache // executables' digests
}

type allowEntry struct {
	rule, exe, exePrefix, sha256, parent, parentSHA256 string
	file                                               string
	line                                               int
}

// MaxAllowEntries bounds an allow-list.
const MaxAllowEntries = 100000

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// LoadAllowFiles reads allow-list files in order into one list. Rule ids
// are checked against set when it is not nil.
func LoadAllowFiles(files []string, set *Set) (*AllowList, error) {
	a := &AllowList{}
	for _, f := range files {
		data, err := readLimited(f)
		if err != nil {
			return nil, fmt.Errorf("read allow-list %s: %w", f, err)
		}
		if err := a.Load(f, data, set); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Len is the number of entries.
func (a *AllowList) Len() int { return len(a.entries) }

// Load adds the entries of an allow-list file: a mapping with the key
// allow, a list of entries.
func (a *AllowList) Load(file string, data []byte, set *Set) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return yamlError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return errAt(file, root, "an allow-list is a mapping with the key allow")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "allow" {
			return errAt(file, k, "unknown key %q (want allow)", k.Value)
		}
		if v.Kind != yaml.SequenceNode {
			return errAt(file, v, "allow: want a list of entries")
		}
		for _, en := range v.Content {
			e, err := parseAllowEntry(file, en, set)
			if err != nil {
				return err
			}
			if len(a.entries) >= MaxAllowEntries {
				return errAt(file, en, "more than %d allow-list entries", MaxAllowEntries)
			}
			a.entries = append(a.entries, e)
		}
	}
	return nil
}

func parseAllowEntry(file string, n *yaml.Node, set *Set) (allowEntry, error) {
	e := allowEntry{file: file, line: n.Line}
	if n.Kind != yaml.MappingNode {
		return e, errAt(file, n, "an allow-list entry is a mapping (rule, exe, exe_prefix, sha256, parent, parent_sha256, comment)")
	}
	any := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			return e, errAt(file, v, "%s: want a non-empty value", k.Value)
		}
		var dst *string
		switch k.Value {
		case "rule":
			dst = &e.rule
			if set != nil && set.Rule(v.Value) == nil {
				return e, errAt(file, v, "unknown rule %q", v.Value)
			}
		case "exe":
			dst = &e.exe
		case "exe_prefix":
			dst = &e.exePrefix
		case "sha256", "parent_sha256":
			dst = &e.sha256
			if k.Value == "parent_sha256" {
				dst = &e.parentSHA256
			}
			if !sha256RE.MatchString(strings.ToLower(v.Value)) {
				return e, errAt(file, v, "sha256 %q is not 64 hex digits", v.Value)
			}
			v.Value = strings.ToLower(v.Value)
		case "parent":
			dst = &e.parent
		case "comment":
			continue
		default:
			return e, errAt(file, k, "unknown key %q (want rule, exe, exe_prefix, sha256, parent, parent_sha256, comment)", k.Value)
		}
		if *dst != "" {
			return e, errAt(file, k, "%s given twice", k.Value)
		}
		if k.Value == "parent" && !strings.HasPrefix(v.Value, "/") {
			eg := "/usr/sbin/" + v.Value
			if strings.Contains(v.Value, "/") {
				eg = "/usr/sbin/cron"
			}
			return e, hint.Wrap(errAt(file, v, "parent %q is a bare name, which any process can give itself", v.Value),
				"name the executable's path, e.g. "+eg)
		}
		if (k.Value == "exe" || k.Value == "exe_prefix") && !strings.HasPrefix(v.Value, "/") {
			return e, errAt(file, v, "%s %q is not an absolute path", k.Value, v.Value)
		}
		*dst = v.Value
		any = true
	}
	if !any {
		return e, errAt(file, n, "an allow-list entry needs at least one of rule, exe, exe_prefix, sha256, parent, parent_sha256")
	}
	return e, nil
}

// allows reports whether an entry removes a hit of rule by the process of
// ctx.
func (a *AllowList) allows(rule string, ctx *evalCtx, sample string) bool {
	for i := range a.entries {
		en := &a.entries[i]
		if en.rule != "" && en.rule != rule {
			continue
		}
		exe := ctx.proc.exe
		if en.exe != "" && en.exe != exe {
			continue
		}
		if en.exePrefix != "" && !strings.HasPrefix(exe, en.exePrefix) {
			continue
		}
		if en.parent != "" && ctx.parentExe() != en.parent {
			continue
		}
		if en.sha256 != "" && en.sha256 != sample && en.sha256 != a.exeHash(exe) {
			continue
		}
		if en.parentSHA256 != "" && en.parentSHA256 != a.exeHash(ctx.parentExe()) {
			continue
		}
		return true
	}
	return false
}

// Allows reports whether the list removes a finding of rule made by a
// process with the executable exe whose parent runs the executable
// parentExe (both paths; "" when unknown), in a sample with digest sample:
// the same test the engine makes on each hit.
func (a *AllowList) Allows(rule, exe, parentExe, sample string) bool {
	ctx := &evalCtx{proc: &process{exe: exe, pid: 2, ppid: 1}}
	ctx.e = &Engine{procs: map[int]*process{1: {pid: 1, exe: parentExe}}}
	if parentExe == "" {
		ctx.proc.ppid = 0
	}
	return a.allows(rule, ctx, sample)
}

// exeHash is the hex SHA-256 of the executable at exe (absolute), "" when
// it cannot be read: computed again once the file changed, so a binary
// replaced at an allow-listed digest's path is not taken for the one that
// was there; never read from a FIFO or a device (see package digest).
func (a *AllowList) exeHash(exe string) string {
	if exe == "" || !strings.HasPrefix(exe, "/") {
		return ""
	}
	return a.hashes.SHA256(exe)
}
