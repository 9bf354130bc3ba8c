package rules

import (
	"math"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"

	"detector/trace"
)

// fieldKind is the type of a field's values.
type fieldKind uint8

const (
	kindString fieldKind = iota + 1 // one or more strings
	kindInt                         // one integer, or none
	kindBool                        // true or false
	kindFlags                       // a set of upper-case flag names
)

func (k fieldKind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindInt:
		return "number"
	case kindBool:
		return "boolean"
	case kindFlags:
		return "flags"
	}
	return "?"
}

type fieldDef struct {
	name string
	kind fieldKind
	doc  string
	// Exactly one of these is set, by kind.
	str  func(*evalCtx) []string
	num  func(*evalCtx) (int64, bool)
	bool func(*evalCtx) bool
}

// fields lists every field a condition or an output may name.
var fields = []*fieldDef{
	{name: "syscall", kind: kindString, doc: "call name", str: func(c *evalCtx) []string { return c.oneAny(c.call.Name) }},
	{name: "ret", kind: kindInt, doc: "return value (none when the call did not return)", num: func(c *evalCtx) (int64, bool) { return c.call.Ret, c.call.RetKnown }},
	{name: "errno", kind: kindString, doc: `error name ("EPERM"), "" on success`, str: func(c *evalCtx) []string { return c.oneAny(c.call.Errno) }},
	{name: "args", kind: kindString, doc: "raw argument text", str: func(c *evalCtx) []string { c.used |= allArgs; return c.oneAny(c.rawArgs()) }},
	{name: "arg0", kind: kindString, doc: "first argument as printed", str: argField(0)},
	{name: "arg1", kind: kindString, doc: "second argument as printed", str: argField(1)},
	{name: "arg2", kind: kindString, doc: "third argument as printed", str: argField(2)},
	{name: "arg3", kind: kindString, doc: "fourth argument as printed", str: argField(3)},
	{name: "str", kind: kindString, doc: "every quoted string argument, unquoted", str: (*evalCtx).strArgs},
	{name: "flags", kind: kindFlags, doc: "upper-case names in the arguments (O_WRONLY, CLONE_UNTRACED, PR_SET_NAME, AT_EMPTY_PATH...)", str: (*evalCtx).flagSet},
	{name: "path", kind: kindString, doc: "the object the call's (first) path resolved to: what the kernel opened (-yy), else the argument resolved against the process's root and folder, /proc/self, .. and symlinks", str: func(c *evalCtx) []string { return first(c.paths()) }},
	{name: "paths", kind: kindString, doc: "every path of the call (both names of rename, link...), resolved as path", str: (*evalCtx).paths},
	{name: "path.given", kind: kindString, doc: "the call's (first) path as spelled, made absolute against its folder", str: func(c *evalCtx) []string {
		c.paths()
		return first(c.pathGiven)
	}},
	{name: "compat", kind: kindBool, doc: "the call came through the 32-bit (i386, int $0x80) entry point; syscall is then the i386 name", bool: func(c *evalCtx) bool { return c.call.Compat }},
	{name: "name", kind: kindString, doc: "last element of path", str: func(c *evalCtx) []string {
		p := c.paths()
		if len(p) == 0 {
			return nil
		}
		return c.oneAny(path.Base(p[0]))
	}},
	{name: "path.running", kind: kindBool, doc: "path is the executable of the calling process or of one of its ancestors", bool: (*evalCtx).pathRunning},
	{name: "fd", kind: kindInt, doc: "the descriptor number of the first argument", num: func(c *evalCtx) (int64, bool) { return fdNum(c.arg(0)) }},
	{name: "fd.path", kind: kindString, doc: "what -yy printed for the first argument's descriptor (/etc/passwd, TCP:[1.2.3.4:5->6.7.8.9:10], /memfd:x)", str: func(c *evalCtx) []string { return c.one(decoration(c.arg(0))) }},
	{name: "fd2", kind: kindInt, doc: "the descriptor number of the second argument (dup2, dup3)", num: func(c *evalCtx) (int64, bool) { return fdNum(c.arg(1)) }},
	{name: "fd.memfd", kind: kindBool, doc: "the first argument is a descriptor from memfd_create", bool: (*evalCtx).fdMemfd},
	{name: "mode", kind: kindInt, doc: "the mode argument of chmod, fchmod, fchmodat, open with O_CREAT, mkdir", num: (*evalCtx).mode},
	{name: "sock.family", kind: kindString, doc: "sa_family of the call's socket address (AF_INET, AF_INET6, AF_UNIX)", str: func(c *evalCtx) []string { return c.one(c.sock().family) }},
	{name: "sock.ip", kind: kindString, doc: "IP address of the call's socket address", str: func(c *evalCtx) []string { return c.one(c.sock().ipText) }},
	{name: "sock.port", kind: kindInt, doc: "port of the call's socket address", num: func(c *evalCtx) (int64, bool) { s := c.sock(); return int64(s.port), s.hasPort }},
	{name: "sock.addr", kind: kindString, doc: "ip:port (or the AF_UNIX path) of the call's socket address", str: func(c *evalCtx) []string { return c.one(c.sock().addrText()) }},
	{name: "sock.path", kind: kindString, doc: "path of an AF_UNIX socket address", str: func(c *evalCtx) []string { return c.one(c.sock().path) }},
	{name: "exec.argv0", kind: kindString, doc: "argv[0] of an execve or execveat", str: func(c *evalCtx) []string { a := c.execArgs(); return first(a) }},
	{name: "exec.argv", kind: kindString, doc: "argv of an execve or execveat, joined with spaces", str: func(c *evalCtx) []string { return c.one(strings.Join(c.execArgs(), " ")) }},
	{name: "exec.args", kind: kindString, doc: "each argv element of an execve or execveat", str: (*evalCtx).execArgs},
	{name: "exec.first", kind: kindBool, doc: "this exec starts the sample itself", bool: func(c *evalCtx) bool { return c.first }},
	{name: "exec.wrote", kind: kindBool, doc: "the executed file was written, created, renamed into place or made executable during the run", bool: (*evalCtx).execWrote},
	{name: "exec.built", kind: kindBool, doc: "the executed file was last written during the run by a compiler or linker (ld, collect2, mold, Go's link and go command, rustc...), or is such a file renamed into place", bool: (*evalCtx).execBuilt},
	{name: "exec.unowned", kind: kindBool, doc: "no installed Debian package owns the executed file", bool: func(c *evalCtx) bool { o, _ := c.pkg(); return o }},
	{name: "exec.modified", kind: kindBool, doc: "the executed file's MD5 differs from its Debian package's record", bool: func(c *evalCtx) bool { _, m := c.pkg(); return m }},
	{name: "proc.pid", kind: kindInt, doc: "process id", num: func(c *evalCtx) (int64, bool) { return int64(c.proc.pid), true }},
	{name: "proc.ppid", kind: kindInt, doc: "parent process id (0 when unknown)", num: func(c *evalCtx) (int64, bool) { return int64(c.proc.ppid), c.proc.ppid != 0 }},
	{name: "proc.exe", kind: kindString, doc: "path of the process's last exec (for an exec call: the image being replaced); for a script also its interpreter (#!), and under eBPF the file a symbolic link named", str: func(c *evalCtx) []string { return c.exesOf(c.proc) }},
	{name: "proc.name", kind: kindString, doc: "last element of proc.exe (a script's name and its interpreter's)", str: func(c *evalCtx) []string { return c.namesOf(c.proc) }},
	{name: "proc.argv", kind: kindString, doc: "argv of the process's last exec, joined with spaces", str: func(c *evalCtx) []string { return c.one(strings.Join(c.proc.argv, " ")) }},
	{name: "proc.args", kind: kindString, doc: "each argv element of the process's last exec", str: func(c *evalCtx) []string { return c.proc.argv }},
	{name: "proc.comm", kind: kindString, doc: "the process name: set by prctl(PR_SET_NAME), else proc.name", str: func(c *evalCtx) []string {
		if c.proc.comm != "" {
			return c.one(c.proc.comm)
		}
		return c.namesOf(c.proc)
	}},
	{name: "proc.stdio_socket", kind: kindBool, doc: "a socket was duplicated onto the process's stdin, stdout or stderr (it or an ancestor before the fork)", bool: func(c *evalCtx) bool { return c.proc.stdioSocket }},
	{name: "proc.connected", kind: kindBool, doc: "the process tried an IPv4 or IPv6 connect, refused or not (a name server's port 53 aside), since its last exec, or its parent had before the fork", bool: func(c *evalCtx) bool { return c.proc.connected }},
	{name: "parent.exe", kind: kindString, doc: "the parent's proc.exe", str: func(c *evalCtx) []string {
		if p := c.e.parent(c.proc); p != nil {
			return c.exesOf(p)
		}
		return nil
	}},
	{name: "parent.name", kind: kindString, doc: "the parent's proc.name", str: func(c *evalCtx) []string {
		if p := c.e.parent(c.proc); p != nil {
			return c.namesOf(p)
		}
		return nil
	}},
	{name: "parent.argv", kind: kindString, doc: "the parent's proc.argv", str: func(c *evalCtx) []string {
		if p := c.e.parent(c.proc); p != nil {
			return c.one(strings.Join(p.argv, " "))
		}
		return nil
	}},
	{name: "proc.chain", kind: kindString, doc: "executable names of the ancestors, nearest first (a script's and its interpreter's)", str: func(c *evalCtx) []string { return c.e.chainNames(c.proc) }},
	{name: "pipe.pair", kind: kindString, doc: "for an exec: each pipe on the program's standard input or output as WRITER | READER, the programs at its two ends paired by the pipe's inode (base64 -d | sh); an end is its program's name and arguments, an argument holding blanks, quotes or | in double quotes", str: (*evalCtx).pipePairs},
}

// pureFields are the fields computed from the call's own text (name,
// arguments, errno) alone: a condition on them alone answers the same for
// the same text (see Engine.quiet).
var pureFields = map[string]bool{
	"syscall": true, "errno": true, "args": true, "arg0": true, "arg1": true, "arg2": true, "arg3": true,
	"str": true, "flags": true, "path": true, "paths": true, "name": true, "fd": true, "fd.path": true,
	"path.given": true, "compat": true, // compat: calls through the i386 entry point are never quiet
	"fd2": true, "mode": true, "sock.family": true, "sock.ip": true, "sock.port": true, "sock.addr": true,
	"sock.path": true, "exec.argv0": true, "exec.argv": true, "exec.args": true,
}

// Ids of fields the engine treats specially.
var (
	syscallField = fieldByName["syscall"]
	flagsField   = fieldByName["flags"]
)

// fieldPure[id] says whether the field of that id is one of pureFields.
var fieldPure = func() []bool {
	out := make([]bool, len(fields))
	for i, f := range fields {
		out[i] = pureFields[f.name]
	}
	return out
}()

var fieldByName = func() map[string]int {
	m := make(map[string]int, len(fields))
	for i, f := range fields {
		m[f.name] = i
	}
	return m
}()

func argField(i int) func(*evalCtx) []string {
	return func(c *evalCtx) []string { return c.one(c.arg(i)) }
}

func first(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s[:1]
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func baseName(p string) string {
	if p == "" {
		return ""
	}
	return path.Base(p)
}

// evalCtx holds one call being judged and caches the fields decoded from
// it, so that several rules on the same call decode each field once.
type evalCtx struct {
	e     *Engine
	ev    *trace.Event
	call  *trace.Call
	proc  *process
	first bool

	cache  [64][]string
	cached uint64
	// used marks the arguments a field or the state update read (bit i
	// for argument i, allArgs for the whole text): what the quiet cache's
	// key must hold (see Engine.quietText).
	used      uint64
	splitDone bool // argList holds every argument
	timeDone  bool // now and nowOK hold the event\'s time
	now       time.Duration
	nowOK     bool
	splitPos  int   // where the next argument starts in raw
	argEnd    []int // where each argument of argList ends in raw
	usedCwd   bool  // a path was resolved against the process's working folder
	changed   bool  // the call changed the process state
	// ruleImpure: the rule being judged read a field that is not pure
	// (the process, its ancestors, the time...), so the call's text alone
	// does not decide its answer; macroImpure marks the remembered macro
	// answers (macroKnown) that read one.
	ruleImpure  bool
	macroImpure uint64
	raw         string // the call's argument text, decoded once; aliases argBuf
	rawDone     bool
	argList     []string // its top-level arguments, substrings of raw
	oneBuf      [64]string
	oneN        int

	macroKnown, macroVal uint64

	memoV     string // the value whose memo entry is at memoOff
	memoOff   int32  // in Engine.memo.bits, -1 for none yet
	memoSet   bool
	sysMask   uint64 // the syscall-name matchers the call's name satisfies
	flagMask  uint64 // the call's flags that "has" matchers ask about
	flagDone  bool
	pathSpecs []pathSpec
	flagBuf   []string

	falseBuf  []uint64 // see falseRules
	pathsDone bool
	pathList  []string
	pathGiven []string // pathList's paths as spelled
	sockDone  bool
	sockPtr   *sockaddr
	pkgDone   bool
	unowned   bool
	modified  bool
}

// falseRules returns the context's bit set over a call name's rules,
// words long and cleared.
func (c *evalCtx) falseRules(words int) []uint64 {
	if cap(c.falseBuf) < words {
		c.falseBuf = make([]uint64, words)
	}
	c.falseBuf = c.falseBuf[:words]
	clear(c.falseBuf)
	return c.falseBuf
}

// exesOf is p's exe and, for a script, its interpreter (see
// process.executed).
func (c *evalCtx) exesOf(p *process) []string {
	if p.executed == "" {
		return c.one(p.exe)
	}
	return p.exes()
}

// namesOf is the last element of each of exesOf.
func (c *evalCtx) namesOf(p *process) []string {
	if p.executed == "" {
		return c.one(baseName(p.exe))
	}
	return p.names(nil)
}

// reset prepares c for a new call. The field cache is invalidated by its
// mask, not cleared.
func (c *evalCtx) reset(e *Engine, ev *trace.Event, p *process, first bool) {
	c.e, c.ev, c.call, c.proc, c.first = e, ev, ev.Call, p, first
	c.cached, c.rawDone, c.splitDone, c.oneN, c.usedCwd, c.changed = 0, false, false, 0, false, false
	c.used, c.argList, c.argEnd, c.splitPos = 0, c.argList[:0], c.argEnd[:0], 0
	c.timeDone = false
	c.macroKnown, c.macroVal, c.macroImpure = 0, 0, 0
	c.flagDone = false
	c.memoSet, c.memoV = false, ""
	c.pathsDone, c.pathList, c.pathGiven = false, c.pathList[:0], c.pathGiven[:0]
	c.sockDone, c.sockPtr = false, nil
	c.pkgDone, c.unowned, c.modified = false, false, false
}

// time returns the event's time, decoded once per call.
func (c *evalCtx) time() (time.Duration, bool) {
	if !c.timeDone {
		c.timeDone = true
		c.now, c.nowOK = eventTime(c.ev)
	}
	return c.now, c.nowOK
}

// allArgs in evalCtx.used: the whole argument text was read.
const allArgs = 1 << 63

// rawArgs returns the call's argument text; it and every argument are one
// allocation per decoded call.
func (c *evalCtx) rawArgs() string {
	if !c.rawDone {
		c.rawDone = true
		// The text is the parser's buffer: everything derived from it is
		// valid during this call only, and whatever the engine keeps
		// longer is cloned.
		c.raw = c.call.ArgsView()
	}
	return c.raw
}

// split splits the whole argument text into its top-level arguments.
func (c *evalCtx) split() { c.splitTo(math.MaxInt) }

// splitTo splits the argument text into top-level arguments until it
// holds argument i or the text ends. Arguments are split as they are
// asked for, so a call whose rules read its first arguments never scans a
// large structure after them (the buffer of a stat).
func (c *evalCtx) splitTo(i int) {
	if c.splitDone {
		return
	}
	raw := c.rawArgs()
	if raw == "" {
		c.splitDone = true
		return
	}
	for len(c.argList) <= i {
		end := nextComma(raw, c.splitPos)
		c.argList = append(c.argList, trimBlank(raw[c.splitPos:end]))
		c.argEnd = append(c.argEnd, end)
		if end >= len(raw) {
			c.splitDone = true
			return
		}
		c.splitPos = end + 1
	}
}

// argAt is arg without marking the argument as read.
func (c *evalCtx) argAt(i int) string {
	c.splitTo(i)
	if i < 0 || i >= len(c.argList) {
		return ""
	}
	return c.argList[i]
}

// arg returns the call's i-th top-level argument, trimmed, or "".
func (c *evalCtx) arg(i int) string {
	if i >= 0 && i < 63 {
		c.used |= 1 << i
	} else {
		c.used |= allArgs
	}
	return c.argAt(i)
}

func trimBlank(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// one returns s as a one-value list backed by the context (nil for ""),
// valid during the call.
func (c *evalCtx) one(s string) []string {
	if s == "" {
		return nil
	}
	return c.oneAny(s)
}

func (c *evalCtx) oneAny(s string) []string {
	if c.oneN >= len(c.oneBuf) {
		return []string{s}
	}
	c.oneBuf[c.oneN] = s
	r := c.oneBuf[c.oneN : c.oneN+1 : c.oneN+1]
	c.oneN++
	return r
}

// splitTop splits argument text at its top-level commas as trace.Call.Arg
// does: quoted strings with escapes, /* comments */, (), [], {} and -yy
// <...> decorations are kept whole.
func splitTop(a string, out []string) []string {
	if a == "" {
		return out
	}
	for start := 0; ; {
		end := nextComma(a, start)
		out = append(out, trimBlank(a[start:end]))
		if end >= len(a) {
			return out
		}
		start = end + 1
	}
}

// argByte marks the bytes nextComma must look at; the others are skipped
// in a tight loop.
var argByte = func() (t [256]bool) {
	for _, c := range []byte(`"/<([{)]},`) {
		t[c] = true
	}
	return t
}()

// nextComma returns the index of the first top-level comma of a at or
// after i, or len(a): commas inside strings, comments, -yy decorations and
// brackets do not count.
func nextComma(a string, i int) int {
	depth := 0
	for i < len(a) {
		if !argByte[a[i]] {
			i++
			continue
		}
		switch a[i] {
		case '"':
			i = skipString(a, i+1)
			continue
		case '/':
			if i+1 < len(a) && a[i+1] == '*' {
				if k := strings.Index(a[i+2:], "*/"); k >= 0 {
					i += k + 4
				} else {
					i = len(a)
				}
				continue
			}
		case '<':
			if i+1 < len(a) && a[i+1] != '<' && a[i+1] != '=' && a[i+1] != ' ' {
				i = skipAngle(a, i+1)
				continue
			}
			if i+1 < len(a) && a[i+1] == '<' {
				i += 2
				continue
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return len(a)
}

// strField returns a string or flags field's values, cached per call.
func (c *evalCtx) strField(id int) []string {
	if id < 64 {
		if c.cached&(1<<id) != 0 {
			return c.cache[id]
		}
		v := fields[id].str(c)
		c.cache[id] = v
		c.cached |= 1 << id
		return v
	}
	return fields[id].str(c)
}

func (c *evalCtx) strArgs() []string {
	c.used |= allArgs
	var out []string
	c.split()
	for _, a := range c.argList {
		if s, _, ok := trace.Unquote(a); ok {
			out = append(out, s)
		}
	}
	return out
}

// flagSet returns the upper-case identifiers of the arguments outside
// quoted strings and -yy decorations: O_WRONLY, CLONE_UNTRACED...
// flags returns the call's flags as bits of the set's flagBit.
func (c *evalCtx) flags() uint64 {
	if !c.flagDone {
		c.flagDone = true
		c.flagMask = 0
		bits := c.e.set.flagBit
		for _, f := range c.strField(flagsField) {
			c.flagMask |= bits[f]
		}
	}
	return c.flagMask
}

func (c *evalCtx) flagSet() []string {
	c.used |= allArgs
	c.flagBuf = flagNames(c.rawArgs(), c.flagBuf[:0])
	return c.flagBuf
}

func flagNames(a string, out []string) []string {
	for i := 0; i < len(a); {
		ch := a[i]
		switch {
		case ch == '"':
			i = skipString(a, i+1)
		case ch == '<':
			i = skipAngle(a, i+1)
		case ch >= 'A' && ch <= 'Z' && (i == 0 || !identChar(a[i-1])):
			j := i + 1
			for j < len(a) && (a[j] >= 'A' && a[j] <= 'Z' || a[j] >= '0' && a[j] <= '9' || a[j] == '_') {
				j++
			}
			if j-i >= 2 && (j == len(a) || !identChar(a[j])) {
				out = append(out, a[i:j])
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func identChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

func skipString(a string, i int) int {
	for i < len(a) {
		switch a[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return len(a)
}

// skipAngle skips a -yy decoration whose body starts at i, nested <...>
// and the "->" of socket addresses included.
func skipAngle(a string, i int) int {
	depth := 1
	for i < len(a) {
		switch a[i] {
		case '<':
			depth++
		case '>':
			if a[i-1] != '-' {
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		i++
	}
	return len(a)
}

// decoration returns the text inside the -yy decoration of an argument such
// as 3</etc/passwd> or AT_FDCWD</home/u>, or "".
func decoration(arg string) string {
	i := strings.IndexByte(arg, '<')
	if i < 0 || !strings.HasSuffix(arg, ">") {
		// "4</memfd:>(deleted)" and the like: a decoration with a tail.
		if i < 0 {
			return ""
		}
		end := skipAngle(arg, i+1)
		if end <= i+1 || arg[end-1] != '>' {
			return ""
		}
		return arg[i+1 : end-1]
	}
	end := skipAngle(arg, i+1)
	if arg[end-1] != '>' {
		return ""
	}
	return arg[i+1 : end-1]
}

// fdNum reads the descriptor number at the start of an argument like
// "3</etc/passwd>" or "3".
func fdNum(arg string) (int64, bool) {
	j := 0
	for j < len(arg) && arg[j] >= '0' && arg[j] <= '9' && j < 10 {
		j++
	}
	if j == 0 || (j < len(arg) && arg[j] != '<') {
		return 0, false
	}
	n, err := strconv.ParseInt(arg[:j], 10, 64)
	return n, err == nil
}

// pathSpec says which arguments of a call are paths: path argument index
// and the index of the descriptor it is relative to (-1 for the working
// folder).
type pathSpec struct{ path, dir int }

var pathArgs = map[string][]pathSpec{}

func init() {
	for _, n := range []string{"open", "creat", "execve", "stat", "lstat", "stat64", "lstat64", "access", "readlink",
		"chdir", "truncate", "truncate64", "chmod", "chown", "lchown", "chown32", "lchown32", "unlink", "rmdir", "mkdir",
		"statfs", "uselib", "acct", "swapon", "swapoff", "chroot", "utime", "utimes", "mknod", "setxattr", "lsetxattr",
		"getxattr", "lgetxattr", "listxattr", "removexattr", "inotify_add_watch", "pivot_root"} {
		pathArgs[n] = []pathSpec{{0, -1}}
	}
	for _, n := range []string{"openat", "openat2", "execveat", "newfstatat", "fstatat64", "faccessat", "faccessat2",
		"readlinkat", "fchmodat", "fchmodat2", "fchownat", "unlinkat", "mkdirat", "mknodat", "utimensat", "statx",
		"name_to_handle_at", "futimesat"} {
		pathArgs[n] = []pathSpec{{1, 0}}
	}
	pathArgs["inotify_add_watch"] = []pathSpec{{1, -1}}
	for _, n := range []string{"rename", "link"} {
		pathArgs[n] = []pathSpec{{0, -1}, {1, -1}}
	}
	pathArgs["symlink"] = []pathSpec{{1, -1}}
	pathArgs["symlinkat"] = []pathSpec{{2, 1}}
	for _, n := range []string{"renameat", "renameat2", "linkat"} {
		pathArgs[n] = []pathSpec{{1, 0}, {3, 2}}
	}
	pathArgs["mount"] = []pathSpec{{1, -1}}
	pathArgs["umount2"] = []pathSpec{{0, -1}}
}

// paths returns the call's path arguments, each the object the kernel
// resolved it to: for the object of a call that returned a descriptor,
// the path the tracer read from it (trace.Call.RetPath), else the argument
// resolved by the engine (see resolve.go). pathGiven gets each as spelled,
// made absolute against its folder's -yy decoration or the process's
// working folder when that is known. An empty path (AT_EMPTY_PATH) is the
// descriptor's own path.
func (c *evalCtx) paths() []string {
	if c.pathsDone {
		return c.pathList
	}
	c.pathsDone = true
	for i, ps := range c.pathSpecs {
		s, _, ok := trace.Unquote(c.arg(ps.path))
		if !ok {
			continue
		}
		dir := ""
		if ps.dir >= 0 {
			dir = decoration(c.arg(ps.dir))
		}
		if s == "" {
			if dir != "" {
				c.pathList = append(c.pathList, dir)
				c.pathGiven = append(c.pathGiven, dir)
			}
			continue
		}
		given := c.resolve(s, dir)
		real := given
		if rp := c.call.RetPath; i == 0 && strings.HasPrefix(rp, "/") && opensObject(c.call.Name) {
			real = rp
		} else if r, ok := c.e.resolvePath(c.proc, s, dir, resolveOpts{follow: c.follows(i)}, &c.usedCwd); ok {
			real = r
		}
		c.pathList = append(c.pathList, real)
		c.pathGiven = append(c.pathGiven, given)
	}
	return c.pathList
}

// opensObject reports whether a descriptor the call returns is its path's
// object, so that the tracer's RetPath names it.
func opensObject(name string) bool {
	switch name {
	case "open", "openat", "openat2", "creat", "open_by_handle_at":
		return true
	}
	return false
}

// follows reports whether path argument i of the call follows a symlink
// in its last component, as the kernel does for the call and its flags.
func (c *evalCtx) follows(i int) bool {
	flagArg := func(k int, flag string) bool { return strings.Contains(c.arg(k), flag) }
	switch c.call.Name {
	case "lstat", "lstat64", "readlink", "readlinkat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
		"symlink", "symlinkat", "mkdir", "mkdirat", "mknod", "mknodat", "lchown", "lchown32", "lsetxattr", "lgetxattr",
		"link":
		return false
	case "linkat":
		return i == 0 && flagArg(4, "AT_SYMLINK_FOLLOW")
	case "open":
		fl := c.arg(1)
		return !strings.Contains(fl, "O_NOFOLLOW") && !(strings.Contains(fl, "O_CREAT") && strings.Contains(fl, "O_EXCL"))
	case "openat", "openat2":
		fl := c.arg(2)
		return !strings.Contains(fl, "O_NOFOLLOW") && !(strings.Contains(fl, "O_CREAT") && strings.Contains(fl, "O_EXCL"))
	case "newfstatat", "fstatat64", "utimensat", "fchmodat2":
		return !flagArg(3, "AT_SYMLINK_NOFOLLOW")
	case "statx":
		return !flagArg(2, "AT_SYMLINK_NOFOLLOW")
	case "fchownat", "execveat":
		return !flagArg(4, "AT_SYMLINK_NOFOLLOW")
	case "name_to_handle_at":
		return flagArg(4, "AT_SYMLINK_FOLLOW")
	}
	return true
}

// resolve makes p absolute against dir (a folder's decoration) or the
// process's working folder, when known.
func (c *evalCtx) resolve(p, dir string) string {
	if strings.HasPrefix(p, "/") {
		return cleanPath(p)
	}
	if dir == "" || !strings.HasPrefix(dir, "/") {
		dir = c.proc.cwd
		c.usedCwd = true
	}
	if dir == "" {
		return p
	}
	return cleanPath(dir + "/" + p)
}

// cleanPath is path.Clean without allocating for the common clean case.
func cleanPath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && (len(p) == 1 || !strings.HasSuffix(p, "/")) {
		return p
	}
	return path.Clean(p)
}

func (c *evalCtx) pathRunning() bool {
	ps := c.paths()
	if len(ps) == 0 {
		return false
	}
	p, g := ps[0], c.pathGiven[0]
	for q, n := c.proc, 0; q != nil && n < maxChain; q, n = c.e.parent(q), n+1 {
		if q.exe == p || q.exe == g {
			return true
		}
	}
	return false
}

func (c *evalCtx) fdMemfd() bool {
	d := decoration(c.arg(0))
	if strings.HasPrefix(d, "/memfd:") {
		return true
	}
	n, ok := fdNum(c.arg(0))
	return ok && c.proc.hasMemfd(int(n))
}

// mode reads the octal mode argument of the calls that take one.
func (c *evalCtx) mode() (int64, bool) {
	i := -1
	switch c.call.Name {
	case "chmod", "fchmod", "mkdir", "creat":
		i = 1
	case "fchmodat", "fchmodat2", "mkdirat", "open":
		i = 2
	case "openat":
		i = 3
	}
	if i < 0 {
		return 0, false
	}
	a := c.arg(i)
	if len(a) == 0 || a[0] != '0' {
		return 0, false
	}
	v, err := strconv.ParseInt(a, 8, 64)
	return v, err == nil
}

func (c *evalCtx) execArgs() []string {
	c.used |= allArgs
	ac := &c.e.execArgv
	if ac.ok && ac.seq == c.e.calls {
		return ac.argv
	}
	var argv []string
	switch c.call.Name {
	case "execve":
		argv = c.e.argvOf(c.argAt(1))
	case "execveat":
		argv = c.e.argvOf(c.argAt(2))
	}
	*ac = execArgvCache{seq: c.e.calls, argv: argv, ok: true}
	return argv
}

func (c *evalCtx) execWrote() bool {
	ps := c.paths()
	return len(ps) > 0 && c.e.written.has(ps[0])
}

func (c *evalCtx) pkg() (unowned, modified bool) {
	if c.pkgDone {
		return c.unowned, c.modified
	}
	c.pkgDone = true
	ps := c.paths()
	if len(ps) == 0 || c.e.opts.Packages == nil || !strings.HasPrefix(ps[0], "/") {
		return false, false
	}
	c.unowned, c.modified = c.e.opts.Packages.Check(ps[0])
	return c.unowned, c.modified
}

func (c *evalCtx) parentExe() string {
	if p := c.e.parent(c.proc); p != nil {
		return p.exe
	}
	return ""
}

// sockaddr is the decoded socket address argument of connect, bind,
// sendto, sendmsg and accept.
type sockaddr struct {
	family  string
	ipText  string
	ip      netip.Addr
	port    int
	hasPort bool
	path    string
	addr    string
}

func (c *evalCtx) sock() *sockaddr {
	if c.sockDone {
		return c.sockPtr
	}
	c.sockDone = true
	c.sockPtr = &noSockaddr
	i := 1
	switch c.call.Name {
	case "connect", "bind", "accept", "accept4":
	case "sendto", "recvfrom":
		i = 4
	case "sendmsg", "recvmsg":
		a := c.arg(1)
		if k := strings.Index(a, "msg_name="); k >= 0 {
			c.sockPtr = c.e.sockaddrOf(a[k+len("msg_name="):])
		}
		return c.sockPtr
	default:
		return c.sockPtr
	}
	c.sockPtr = c.e.sockaddrOf(c.arg(i))
	return c.sockPtr
}

// noSockaddr is the address of a call without one; never changed.
var noSockaddr sockaddr

// sockaddrOf parses a socket address text, remembering the texts seen
// before (programs talk to the same few addresses); the result is shared
// and its strings are the engine's own.
func (e *Engine) sockaddrOf(text string) *sockaddr {
	if !strings.HasPrefix(text, "{sa_family=") {
		return &noSockaddr
	}
	if s, ok := e.sockMemo[text]; ok {
		return s
	}
	s := parseSockaddr(text)
	s.family, s.ipText, s.path = strings.Clone(s.family), strings.Clone(s.ipText), strings.Clone(s.path)
	if len(e.sockMemo) >= maxSockMemo {
		clear(e.sockMemo)
	}
	e.sockMemo[strings.Clone(text)] = &s
	return &s
}

// maxSockMemo bounds the remembered socket address texts.
const maxSockMemo = 4096

// parseSockaddr reads strace's socket address text:
// {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("10.0.0.1")},
// {sa_family=AF_INET6, sin6_port=htons(22), sin6_flowinfo=..., inet_pton(AF_INET6, "::1", &sin6_addr), ...},
// {sa_family=AF_UNIX, sun_path="/run/x"}.
func parseSockaddr(a string) sockaddr {
	var s sockaddr
	if !strings.HasPrefix(a, "{sa_family=") {
		return s
	}
	f := a[len("{sa_family="):]
	if k := strings.IndexAny(f, ",}"); k >= 0 {
		f = f[:k]
	}
	s.family = f
	if k := strings.Index(a, "_port=htons("); k >= 0 {
		p := a[k+len("_port=htons("):]
		if e := strings.IndexByte(p, ')'); e > 0 {
			if v, err := strconv.Atoi(p[:e]); err == nil && v >= 0 && v < 65536 {
				s.port, s.hasPort = v, true
			}
		}
	}
	quoted := func(key string) string {
		k := strings.Index(a, key)
		if k < 0 {
			return ""
		}
		q := a[k+len(key):]
		e := skipString(q, 1)
		v, _, _ := trace.Unquote(q[:e])
		return v
	}
	switch f {
	case "AF_INET":
		s.ipText = quoted(`inet_addr(`)
	case "AF_INET6":
		s.ipText = quoted(`inet_pton(AF_INET6, `)
	case "AF_UNIX":
		s.path = quoted(`sun_path=`)
		if s.path == "" {
			s.path = quoted(`sun_path=@`)
			if s.path != "" {
				s.path = "@" + s.path
			}
		}
		s.addr = s.path
	}
	if s.ipText != "" {
		if ip, err := netip.ParseAddr(s.ipText); err == nil {
			s.ip = ip.Unmap()
			if s.ip != ip {
				s.ipText = s.ip.String()
			}
		} else {
			s.ipText = ""
		}
	}
	return s
}

// addrText is ip:port ([ip]:port for IPv6) or the AF_UNIX path.
func (s *sockaddr) addrText() string {
	if s.addr == "" && s.ip.IsValid() && s.hasPort {
		s.addr = netip.AddrPortFrom(s.ip, uint16(s.port)).String()
	}
	return s.addr
}

// Bounds on the pipe.pair field: the peers shown per pipe, the
// arguments of an end and the bytes of an argument.
const (
	maxPipePeers = 8
	maxEndArgs   = 16
	maxEndArg    = 128
)

// pipePairs describes, for an exec, each pipe on the new program's
// standard input or output with the programs at its two ends: the
// processes that hold the pipe's other end as their standard output or
// input (duplicated there with dup2, or inherited; ended ones too: a
// writer may be done before its reader starts) and have run a program of
// their own (a shell's forked child that has not run one is no end).
// The ends are found by the pipe's inode, which strace -yy and the eBPF
// tracer both give.
func (c *evalCtx) pipePairs() []string {
	p := c.proc
	if c.call.Name != "execve" && c.call.Name != "execveat" || p.stdinPipe == 0 && p.stdoutPipe == 0 {
		return nil
	}
	self := c.endText(baseName(c.execPath()), c.execArgs())
	var out []string
	nw, nr := 0, 0
	for _, q := range c.e.procs {
		if q == p || !q.execd {
			continue
		}
		if p.stdinPipe != 0 && q.stdoutPipe == p.stdinPipe && nw < maxPipePeers {
			nw++
			out = append(out, c.endText(baseName(q.exe), q.argv)+" | "+self)
		}
		if p.stdoutPipe != 0 && q.stdinPipe == p.stdoutPipe && nr < maxPipePeers {
			nr++
			out = append(out, self+" | "+c.endText(baseName(q.exe), q.argv))
		}
	}
	return out
}

// execPath is the exec'd file as the call names it (resolved).
func (c *evalCtx) execPath() string {
	if ps := c.paths(); len(ps) > 0 {
		return ps[0]
	}
	return ""
}

// endText writes one end of a pipe: the program's name and its
// arguments (argv[1:]), bounded, an argument holding blanks, quotes or |
// in double quotes.
func (c *evalCtx) endText(name string, argv []string) string {
	var b strings.Builder
	b.WriteString(name)
	if len(argv) > 1 {
		for _, a := range argv[1:min(len(argv), maxEndArgs+1)] {
			if len(a) > maxEndArg {
				a = a[:maxEndArg]
			}
			b.WriteByte(' ')
			if a == "" || strings.ContainsAny(a, " \t\n\"'|") {
				b.WriteString(strconv.Quote(a))
			} else {
				b.WriteString(a)
			}
		}
	}
	return b.String()
}
