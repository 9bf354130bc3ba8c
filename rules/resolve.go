package rules

import (
	"os"
	"strconv"
	"strings"
)

// Path resolution: rules judge the object the kernel resolved, not the
// string a program spelled. A call that returned a descriptor carries it
// (trace.Call.RetPath: strace -yy's decoration of the result, or what the
// eBPF tracer read from the opened file). For the others (failed calls,
// and calls that return no descriptor: stat, unlink, rename, chmod, exec
// under strace...) the engine resolves the argument as the kernel would
// at that call: against the process's root (chroot is followed) and
// working folder, the folder descriptor's -yy decoration, /proc/self,
// /proc/thread-self and /proc/PID (root, cwd and exe), "..", and symlinks
// as they stand at the call: those made during the trace (symlink,
// symlinkat, moved by rename, removed by unlink) and, below the folders
// the sandbox shows of the host (hostLinkDirs), the host's own links to
// folders, read with lstat and readlink only (so /bin/x is /usr/bin/x on a
// merged-/usr system, while /bin/sh stays sh, not the dash it points to:
// programs and rules name commands by the link, and a file's own host
// link is none a sandboxed program can make). At most maxLinkHops links are followed, as the
// kernel does; a path that needs more (ELOOP) is judged as spelled.
// Descriptors named through /proc/PID/fd/N and /dev/fd/N stay as spelled
// unless the call returned the object.

const (
	// maxLinkHops is the kernel's bound on the symlinks one lookup
	// follows (ELOOP past it).
	maxLinkHops = 40
	// MaxTraceLinks is the most symlinks made during a trace that the
	// engine remembers; past it, the oldest are forgotten.
	MaxTraceLinks = 16384
	// maxHostLinks bounds the host paths whose link status is cached.
	maxHostLinks = 16384
	// maxResolved bounds the cache of resolved absolute paths.
	maxResolved = 16384
	// maxResolvePath bounds the path text one resolution builds.
	maxResolvePath = 8192
)

// hostLinkDirs are the folders the sandbox shows of the host (read-only
// views): a symlink below them is the host's, and the engine reads it.
// Elsewhere (/tmp, /home, /run...) the sandbox's files are gone when the
// trace is judged, and only links seen in the trace count.
var hostLinkDirs = []string{"/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

func underHostDirs(p string) bool {
	for _, d := range hostLinkDirs {
		if strings.HasPrefix(p, d) && (len(p) == len(d) || p[len(d)] == '/') {
			return true
		}
	}
	return false
}

// linkTable remembers the symlinks a trace made, by the resolved path of
// the link, with a FIFO bound.
type linkTable struct {
	m    map[string]string
	ring []string
	next int
}

func (t *linkTable) set(p, target string) {
	if t.m == nil {
		t.m = map[string]string{}
	}
	if _, ok := t.m[p]; ok {
		t.m[p] = target
		return
	}
	if len(t.ring) < MaxTraceLinks {
		t.ring = append(t.ring, p)
	} else {
		delete(t.m, t.ring[t.next])
		t.ring[t.next] = p
		t.next = (t.next + 1) % MaxTraceLinks
	}
	t.m[p] = target
}

// del forgets p; its slot in the ring stays until it comes round.
func (t *linkTable) del(p string) { delete(t.m, p) }

func (t *linkTable) get(p string) (string, bool) {
	if len(t.m) == 0 {
		return "", false
	}
	s, ok := t.m[p]
	return s, ok
}

// linksChanged drops what depended on the links as they stood: the
// resolved-path cache and the keys of quiet calls (a call's text no longer
// says what it resolves to).
func (e *Engine) linksChanged() {
	clear(e.resolved)
	for i := range e.quiet {
		e.quiet[i] = nil
	}
}

// hostLink returns the target of the host's symlink at p, if p is one.
func (e *Engine) hostLink(p string) (string, bool) {
	if e.hostLinks == nil {
		e.hostLinks = map[string]string{}
	}
	if t, ok := e.hostLinks[p]; ok {
		return t, t != ""
	}
	t := ""
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if s, err := os.Readlink(p); err == nil && s != "" {
			t = s
		}
	}
	if len(e.hostLinks) >= maxHostLinks {
		clear(e.hostLinks)
	}
	e.hostLinks[strings.Clone(p)] = t
	return t, t != ""
}

// resolveOpts say how one path argument resolves.
type resolveOpts struct {
	follow bool // follow a symlink in the last component
}

// resolvePath returns the path the kernel resolves p to for process pr:
// dir is the -yy decoration of the folder descriptor p is relative to ("",
// the working folder). ok is false when the path cannot be made absolute
// (a relative path whose folder is unknown) or needs more than
// maxLinkHops links; the caller then judges it as spelled. usedCwd is set
// when the answer depends on a process's working folder.
func (e *Engine) resolvePath(pr *process, p, dir string, o resolveOpts, usedCwd *bool) (string, bool) {
	root := pr.root
	if root == "" {
		root = "/"
	} else {
		*usedCwd = true // the answer depends on the process, not the text
	}
	start := root
	if !strings.HasPrefix(p, "/") {
		start = dir
		if start == "" || start[0] != '/' {
			start = pr.cwd
			*usedCwd = true
		}
		if start == "" {
			return p, false
		}
	}
	// The common case: an absolute path with nothing to follow.
	cacheable := root == "/" && start == "/" && len(e.links.m) == 0
	if cacheable {
		if r, ok := e.resolved[resolvedKey{p, o.follow}]; ok {
			return r, true
		}
		if !strings.HasPrefix(p, "/proc/") && !strings.HasPrefix(p, "/dev/fd") && !underHostDirs(p) && !strings.Contains(p, "/..") {
			return cleanPath(p), true
		}
	}
	r, ok := e.walk(pr, start, p, root, o, usedCwd)
	if ok && cacheable && !*usedCwd {
		if e.resolved == nil {
			e.resolved = map[resolvedKey]string{}
		}
		if len(e.resolved) >= maxResolved {
			clear(e.resolved)
		}
		e.resolved[resolvedKey{strings.Clone(p), o.follow}] = r
	}
	return r, ok
}

type resolvedKey struct {
	p      string
	follow bool
}

// walk resolves the path rest component by component from the real
// folder start, where an absolute symlink restarts at root and ".." stops.
func (e *Engine) walk(pr *process, start, rest, root string, o resolveOpts, usedCwd *bool) (string, bool) {
	cur := make([]byte, 0, len(start)+len(rest))
	cur = append(cur, strings.TrimSuffix(start, "/")...)
	hops := 0
	for {
		for len(rest) > 0 && rest[0] == '/' {
			rest = rest[1:]
		}
		if rest == "" {
			break
		}
		comp := rest
		if k := strings.IndexByte(rest, '/'); k >= 0 {
			comp, rest = rest[:k], rest[k:]
		} else {
			rest = ""
		}
		switch comp {
		case ".":
			continue
		case "..":
			if string(cur) != strings.TrimSuffix(root, "/") {
				if k := strings.LastIndexByte(string(cur), '/'); k >= 0 {
					cur = cur[:k]
				}
			}
			continue
		}
		mark := len(cur)
		cur = append(append(cur, '/'), comp...)
		if len(cur) > maxResolvePath {
			return "", false
		}
		last := strings.TrimLeft(rest, "/") == ""
		if last && !o.follow {
			continue
		}
		target, jump, ok := e.linkAt(pr, string(cur), root, last, usedCwd)
		if !ok {
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", false
		}
		if jump {
			// A /proc magic link: the target is a real path.
			cur = append(cur[:0], strings.TrimSuffix(target, "/")...)
			continue
		}
		if strings.HasPrefix(target, "/") {
			cur = cur[:0]
			if root != "/" {
				cur = append(cur, root...)
			}
		} else {
			cur = cur[:mark]
		}
		if len(target)+len(rest) > maxResolvePath {
			return "", false
		}
		rest = target + rest
	}
	if len(cur) == 0 {
		return "/", true
	}
	return string(cur), true
}

// linkAt says whether p is a symlink for process pr (whose root is root),
// and its target; jump is set for the /proc magic links, whose target is
// a real path.
func (e *Engine) linkAt(pr *process, p, root string, last bool, usedCwd *bool) (target string, jump, ok bool) {
	inRoot := p
	if root != "/" && strings.HasPrefix(p, root+"/") {
		inRoot = p[len(root):] // a chroot's /proc is taken to be a procfs
	}
	if strings.HasPrefix(inRoot, "/proc/") {
		if t, ok := e.procLink(pr, inRoot[len("/proc/"):], usedCwd); ok {
			return t, true, true
		}
		return "", false, false
	}
	if p == "/dev/fd" {
		return "/proc/self/fd", false, true
	}
	if t, ok := e.links.get(p); ok {
		return t, false, true
	}
	if !last && underHostDirs(p) {
		if t, ok := e.hostLink(p); ok {
			return t, false, true
		}
	}
	return "", false, false
}

// procLink resolves the /proc magic links: self and thread-self (to the
// process's own folder), and PID/root, PID/cwd and PID/exe of the
// processes the trace knows.
func (e *Engine) procLink(pr *process, rel string, usedCwd *bool) (string, bool) {
	switch rel {
	case "self", "thread-self":
		*usedCwd = true
		return "/proc/" + strconv.Itoa(pr.pid), true
	}
	k := strings.IndexByte(rel, '/')
	if k <= 0 {
		return "", false
	}
	pid, err := strconv.Atoi(rel[:k])
	if err != nil || pid <= 0 {
		return "", false
	}
	q := pr
	if pid != pr.pid {
		q = e.procs[pid]
		if q == nil {
			return "", false
		}
	}
	*usedCwd = true
	switch rel[k+1:] {
	case "root":
		if q.root == "" {
			return "/", true
		}
		return q.root, true
	case "cwd":
		return q.cwd, q.cwd != ""
	case "exe":
		return q.exe, strings.HasPrefix(q.exe, "/")
	}
	return "", false
}
