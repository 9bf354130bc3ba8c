// Package observe records what the programs of one sample did, as the
// profile detector learns it: for each program image (a process between
// two execs), its identity, the programs it executed, the files it opened
// and how, the sockets it used, the calls it made and the images it
// started. Paths are kept as templates (see Template), so that two runs of
// the same work give the same items.
//
// A Recorder receives a sample's events in trace order (it is a
// pipeline consumer) and is bounded: at most MaxProcesses images, MaxItems
// distinct items and MaxCalls distinct call names per image, MaxPathLen
// bytes per path; what exceeds the bounds is counted in Dropped, never
// kept. A trace without execs (an ADFA-LD trace) is one image of unknown
// identity ("") with its calls alone.
package observe

import (
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"detector/trace"
)

// Bounds on what a Recorder keeps of one sample.
const (
	MaxProcesses = 1024
	MaxItems     = 4096 // distinct items per image
	MaxCalls     = 1024 // distinct call names per image
	MaxPathLen   = 512  // bytes of a path template; longer ones are cut and end in "..."
)

// Item kinds: the first word of an item, before one space and its object.
const (
	KindExec    = "exec"    // executed a program: "exec /usr/bin/cat"
	KindRead    = "read"    // opened a file for reading
	KindWrite   = "write"   // opened an existing file for writing
	KindCreate  = "create"  // created a file (O_CREAT)
	KindDelete  = "delete"  // removed or renamed away a file
	KindProbe   = "probe"   // tried to read a file that was not there (or failed otherwise)
	KindList    = "list"    // opened a folder to read its entries (O_DIRECTORY)
	KindConnect = "connect" // connected or sent to an address: "connect inet loopback:9"
	KindBind    = "bind"    // bound a socket: "bind inet any:4444"
	KindChild   = "child"   // started an image of a program: "child /usr/bin/cat"
)

// Process is one program image of a sample.
type Process struct {
	// Program is the image's identity: the executable's path, or for an
	// interpreter running a script, the interpreter's path, a space and
	// the script's path template; "" when unknown.
	Program string
	// Parent is the index in Sample.Procs of the image that started this
	// one (by exec, or by fork and exec), -1 for the first.
	Parent int
	// Items are what the image did, each "KIND OBJECT", sorted, distinct.
	Items []string
	// Calls are the distinct call names, sorted.
	Calls []string
	// PID is the process id the image ran as (0 when the trace has none).
	PID int
}

// Sample is what the programs of one sample did.
type Sample struct {
	Procs   []Process
	Dropped int64 // items, calls or images left out by the bounds
}

// Recorder builds a Sample from a sample's events. The zero value is ready
// to use.
type Recorder struct {
	// Digest, when set, keys every executable by its content: it returns
	// the hex SHA-256 of the file at an absolute path, "" when it cannot
	// be read, and the executable's item and identity become
	// "PATH@sha256:HEX" (see DigestKey). A program built in the sample's
	// working folder stays Built, unkeyed.
	Digest func(path string) string

	digests map[string]string // Digest's answers for this sample
	procs   []proc
	built   map[string]bool // paths created in the sample (at most MaxItems)
	byPID   map[int]int     // pid -> image it runs now
	dropped int64
	probe   bool // the call being recorded failed, not for lack of permission
}

type proc struct {
	Process
	items  map[string]bool
	calls  map[string]bool
	merged bool // a placeholder taken over by its parent's image (adopt)
}

// Event records one event (a pipeline consumer's method).
func (r *Recorder) Event(e *trace.Event) error {
	switch e.Kind {
	case trace.EventSpawn:
		i, ok := r.byPID[e.PID]
		if !ok {
			break
		}
		j, seen := r.byPID[e.Child]
		if !seen {
			r.byPID[e.Child] = i // a fork runs its parent's image until it execs
			break
		}
		r.adopt(i, j, e.Child)
	case trace.EventExit:
		delete(r.byPID, e.PID) // its pid may be used again
	case trace.EventExec:
		r.exec(e)
	case trace.EventCall:
		r.call(e)
	}
	return nil
}

// adopt makes image i the parent of process pid, whose image is j
// already: strace printed the child's first calls before its parent's
// vfork or clone returned. Its calls before an exec were the parent's
// program's, in an image of unknown identity (a placeholder) that the
// parent's image takes over; an image the child executed was started by
// the parent.
func (r *Recorder) adopt(i, j, pid int) {
	if c := r.procs[j]; c.Parent >= 0 && c.Program != "" {
		j = c.Parent // the child executed already: j's parent may be the placeholder
	}
	c := &r.procs[j]
	if j == i || c.Parent >= 0 || c.PID != pid {
		return
	}
	for k, n := i, 0; k >= 0 && n <= len(r.procs); k, n = r.procs[k].Parent, n+1 {
		if k == j {
			return // i descends from j: a trace that says so is not believed
		}
	}
	if c.Program != "" { // the child's exec came first
		c.Parent = i
		exe, _, _ := strings.Cut(c.Program, " ")
		r.add(&r.procs[i], KindExec, exe)
		r.add(&r.procs[i], KindChild, c.Program)
		return
	}
	parent := &r.procs[i]
	for it := range c.items {
		kind, obj, _ := strings.Cut(it, " ")
		r.add(parent, kind, obj)
	}
	for name := range c.calls {
		if !parent.calls[name] && len(parent.calls) < MaxCalls {
			parent.calls[name] = true
		}
	}
	c.Program, c.Parent, c.items, c.calls, c.merged = parent.Program, i, map[string]bool{}, map[string]bool{}, true
	for k := range r.procs {
		if q := &r.procs[k]; q.Parent == j && k != j {
			q.Parent = i
			exe, _, _ := strings.Cut(q.Program, " ")
			r.add(parent, KindExec, exe)
			r.add(parent, KindChild, q.Program)
		}
	}
	if r.byPID[pid] == j {
		r.byPID[pid] = i
	}
}

func (r *Recorder) image(pid int, create bool) *proc {
	if i, ok := r.byPID[pid]; ok {
		return &r.procs[i]
	}
	if !create {
		return nil
	}
	return r.newImage(pid, "", -1)
}

func (r *Recorder) newImage(pid int, program string, parent int) *proc {
	if len(r.procs) >= MaxProcesses {
		r.dropped++
		return nil
	}
	if r.byPID == nil {
		r.byPID = map[int]int{}
	}
	r.procs = append(r.procs, proc{Process: Process{Program: program, Parent: parent, PID: pid},
		items: map[string]bool{}, calls: map[string]bool{}})
	r.byPID[pid] = len(r.procs) - 1
	return &r.procs[len(r.procs)-1]
}

func (r *Recorder) add(p *proc, kind, obj string) {
	if p == nil || obj == "" {
		return
	}
	it := kind + " " + obj
	if p.items[it] {
		return
	}
	if len(p.items) >= MaxItems {
		r.dropped++
		return
	}
	p.items[it] = true
	if kind == KindCreate && len(r.built) < MaxItems {
		if r.built == nil {
			r.built = map[string]bool{}
		}
		r.built[obj] = true
	}
}

// Built is the name a program built in the sample's working folder
// (created there, then executed) is known by, in place of its own name:
// compiling and running a program makes a new name every time.
const Built = "(built)"

// builtName is exe, or for a file the sample created in its working folder
// ("~/" or relative), that folder followed by Built. A file created
// elsewhere (/tmp, /dev/shm) keeps its name.
func (r *Recorder) builtName(exe string) string {
	if !strings.HasPrefix(exe, "~/") && !strings.HasPrefix(exe, "./") {
		return exe
	}
	built := r.built[exe]
	if rel, ok := strings.CutPrefix(exe, "./"); ok && !built {
		// executed by a relative name, created by a full one
		for p := range r.built {
			if strings.HasSuffix(p, "/"+rel) {
				built = true
				break
			}
		}
	}
	if !built {
		return exe
	}
	return path.Dir(exe) + "/" + Built
}

func (r *Recorder) exec(e *trace.Event) {
	c := e.Call
	exe := c.RetPath
	if exe == "" {
		exe = resolve(c.ExecPath(), dirOf(c, 0))
	}
	real := exe
	exe = r.builtName(Template(exe))
	argv, _ := c.ExecArgv()
	program := Identity(exe, argv, dirOf(c, 0))
	if r.Digest != nil && !strings.HasSuffix(exe, "/"+Built) {
		k := DigestKey(r.digest(real))
		program = exe + k + program[len(exe):]
		exe += k
	}
	old, had := r.byPID[e.PID]
	parent := -1
	if had {
		parent = old
		r.add(&r.procs[old], KindExec, exe)
		if r.procs[old].PID != e.PID { // a forked copy of old: old started a child
			r.add(&r.procs[old], KindChild, program)
		}
	}
	r.newImage(e.PID, program, parent)
}

func (r *Recorder) call(e *trace.Event) {
	c := e.Call
	if _, ok := r.byPID[e.PID]; !ok && (c.Name == "execve" || c.Name == "execveat") {
		return // the tracer starting the sample: its image begins at the exec
	}
	p := r.image(e.PID, true)
	if p == nil {
		return
	}
	if !p.calls[c.Name] {
		if len(p.calls) >= MaxCalls {
			r.dropped++
		} else {
			p.calls[c.Name] = true
		}
	}
	if len(c.Args()) == 0 {
		return // ADFA-LD: names only
	}
	// Attempts count as well as successes: a scan is mostly refusals, a
	// write into a read-only system folder fails. A read that failed for
	// another reason than a denial is a probe (programs look for many
	// files that are not there).
	failed := c.RetKnown && c.Ret < 0
	denied := c.Errno == "EACCES" || c.Errno == "EPERM"
	r.probe = failed && !denied
	switch c.Name {
	case "open", "creat":
		r.open(p, c, 0, 1)
	case "openat", "openat2":
		r.open(p, c, 1, 2)
	case "unlink", "rmdir":
		r.add(p, KindDelete, Template(resolve(str(c.Arg(0)), cwdOf(c))))
	case "unlinkat":
		r.add(p, KindDelete, Template(resolve(str(c.Arg(1)), dirOf(c, 0))))
	case "rename":
		r.add(p, KindDelete, Template(resolve(str(c.Arg(0)), cwdOf(c))))
		r.add(p, KindCreate, Template(resolve(str(c.Arg(1)), cwdOf(c))))
	case "renameat", "renameat2":
		r.add(p, KindDelete, Template(resolve(str(c.Arg(1)), dirOf(c, 0))))
		r.add(p, KindCreate, Template(resolve(str(c.Arg(3)), dirOf(c, 2))))
	case "symlink", "link":
		r.add(p, KindCreate, Template(resolve(str(c.Arg(1)), cwdOf(c))))
	case "symlinkat":
		r.add(p, KindCreate, Template(resolve(str(c.Arg(2)), dirOf(c, 1))))
	case "linkat":
		r.add(p, KindCreate, Template(resolve(str(c.Arg(3)), dirOf(c, 2))))
	case "truncate":
		r.add(p, KindWrite, Template(resolve(str(c.Arg(0)), cwdOf(c))))
	case "connect", "sendto", "sendmsg":
		i := 1
		if c.Name == "sendto" {
			i = 4
		}
		if a := Address(c.Arg(i)); a != "" {
			r.add(p, KindConnect, a)
		}
	case "bind":
		if a := Address(c.Arg(1)); a != "" {
			r.add(p, KindBind, a)
		}
	}
}

// open records an open call whose path is argument pathArg and flags
// argument flagArg, resolved against the directory of argument 0 when
// pathArg is 1 (openat).
func (r *Recorder) open(p *proc, c *trace.Call, pathArg, flagArg int) {
	name := c.RetPath
	if name == "" {
		dir := cwdOf(c)
		if pathArg == 1 {
			dir = dirOf(c, 0)
		}
		name = resolve(str(c.Arg(pathArg)), dir)
	}
	if name == "" {
		return
	}
	flags := c.Arg(flagArg)
	if c.Name == "creat" {
		flags = "O_CREAT|O_WRONLY"
	}
	kind := KindRead
	switch {
	case strings.Contains(flags, "O_CREAT"):
		kind = KindCreate
	case strings.Contains(flags, "O_WRONLY"), strings.Contains(flags, "O_RDWR"), strings.Contains(flags, "O_TRUNC"):
		kind = KindWrite
	}
	if kind == KindRead && r.probe {
		kind = KindProbe
	} else if kind == KindRead && strings.Contains(flags, "O_DIRECTORY") {
		kind = KindList
	}
	r.add(p, kind, Template(name))
}

// Sample returns what was recorded, each image's items and calls sorted.
func (r *Recorder) Sample() *Sample {
	s := &Sample{Dropped: r.dropped, Procs: make([]Process, 0, len(r.procs))}
	index := make([]int, len(r.procs)) // r.procs -> s.Procs, merged placeholders left out
	n := 0
	for i, p := range r.procs {
		index[i] = n
		if !p.merged {
			n++
		}
	}
	for _, p := range r.procs {
		if p.merged {
			continue
		}
		q := p.Process
		// A parent merged into its own parent's image is that image.
		for n := 0; q.Parent >= 0 && r.procs[q.Parent].merged && n < len(r.procs); n++ {
			q.Parent = r.procs[q.Parent].Parent
		}
		if q.Parent >= 0 && !r.procs[q.Parent].merged {
			q.Parent = index[q.Parent]
		} else {
			q.Parent = -1
		}
		if q.Parent == len(s.Procs) {
			q.Parent = -1 // its own parent, by a trace that says so
		}
		for it := range p.items {
			q.Items = append(q.Items, it)
		}
		for c := range p.calls {
			q.Calls = append(q.Calls, c)
		}
		slices.Sort(q.Items)
		slices.Sort(q.Calls)
		s.Procs = append(s.Procs, q)
	}
	return s
}

// str unquotes a string argument, "" when it is not one.
func str(arg string) string {
	s, _, ok := trace.Unquote(arg)
	if !ok {
		return ""
	}
	return s
}

// dirOf returns the folder that argument i, a directory descriptor printed
// with strace -y (AT_FDCWD</home/u> or 3</tmp>), stands for, or "".
func dirOf(c *trace.Call, i int) string {
	return decoration(c.Arg(i))
}

// cwdOf is the working folder of a call whose paths are not relative to a
// descriptor: not known from the call alone, so "".
func cwdOf(*trace.Call) string { return "" }

// decoration returns the text inside the first <...> of an argument.
func decoration(a string) string {
	i := strings.IndexByte(a, '<')
	if i < 0 || !strings.HasSuffix(a, ">") {
		return ""
	}
	return a[i+1 : len(a)-1]
}

// resolve makes p absolute against dir when it is relative and dir known;
// a relative path against an unknown folder stays relative ("./x").
func resolve(p, dir string) string {
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "/"):
		return path.Clean(p)
	case strings.HasPrefix(dir, "/"):
		return path.Clean(dir + "/" + p)
	}
	return "./" + path.Clean(p)
}

// Interpreters are the programs whose identity includes the script they
// run (their first argument that is not an option).
var Interpreters = []string{"sh", "bash", "dash", "zsh", "ksh", "python", "python2", "python3", "perl", "ruby", "node", "php", "lua", "tclsh", "awk", "gawk", "mawk"}

// Identity is the identity of an image of executable exe (a template)
// started with argv: exe; for an interpreter given a script, exe, a space
// and the script's template; for an interpreter given neither a script
// nor its program on the command line (sh -c, python3 -c or -m, perl -e
// ...), which reads its program from its input (curl ... | sh, sh -i),
// exe, a space and Stdin.
func Identity(exe string, argv []string, cwd string) string {
	base := path.Base(exe)
	if i := strings.IndexFunc(base, func(r rune) bool { return r >= '0' && r <= '9' || r == '.' }); i > 0 && strings.HasPrefix(base, "python") {
		base = "python"
	}
	if !slices.Contains(Interpreters, base) || strings.HasPrefix(base, "awk") || strings.HasSuffix(base, "awk") {
		return exe // awk's program is its first argument
	}
	if len(argv) == 0 {
		return exe // the trace did not say
	}
	if len(argv) >= 2 && argv[1] != "" && argv[1] != "-" && !strings.HasPrefix(argv[1], "-") {
		return exe + " " + Template(resolve(argv[1], cwd))
	}
	code := codeOptions[base]
	if code == "" {
		code = "c"
	}
	for _, a := range argv[1:] {
		switch {
		case a == "-":
			return exe + " " + Stdin
		case strings.HasPrefix(a, "--"):
			if a == "--command" || strings.HasPrefix(a, "--eval") || strings.HasPrefix(a, "--print") {
				return exe
			}
		case strings.HasPrefix(a, "-"):
			if strings.ContainsAny(a[1:], code) {
				return exe // -c CODE: the program is on the command line
			}
		case a != "":
			return exe // an option's value or a later operand
		}
	}
	return exe + " " + Stdin
}

// Stdin stands for the script of an interpreter that reads its program
// from its input (see Identity).
const Stdin = "-"

// codeOptions are, per interpreter, the letters of the short options that
// give its program on the command line; "c" for the others.
var codeOptions = map[string]string{
	"python": "cm", "python2": "cm", "python3": "cm",
	"perl": "eE", "ruby": "e", "node": "ep", "php": "r", "lua": "e",
}

// Address describes a socket address argument as strace prints it
// ({sa_family=AF_INET, sin_port=htons(22), sin_addr=inet_addr("10.0.0.1")})
// as "FAMILY SCOPE:PORT" -- "inet loopback:22", "inet6 public:443" -- or
// "unix PATH" for a named local socket; "" for anything else.
func Address(a string) string {
	fam := field(a, "sa_family=")
	switch fam {
	case "AF_INET", "AF_INET6":
		port := field(a, "sin_port=htons(")
		if fam == "AF_INET6" {
			port = field(a, "sin6_port=htons(")
		}
		port = strings.TrimSuffix(port, ")")
		ip := ""
		if i := strings.Index(a, "inet_addr(\""); i >= 0 {
			ip = a[i+len("inet_addr(\""):]
		} else if i := strings.Index(a, "inet_pton(AF_INET6, \""); i >= 0 {
			ip = a[i+len("inet_pton(AF_INET6, \""):]
		}
		if j := strings.IndexByte(ip, '"'); j >= 0 {
			ip = ip[:j]
		}
		name := "inet"
		if fam == "AF_INET6" {
			name = "inet6"
		}
		if _, err := strconv.Atoi(port); err != nil {
			port = "?"
		}
		return name + " " + Scope(ip) + ":" + port
	case "AF_UNIX":
		p := field(a, "sun_path=")
		if s, _, ok := trace.Unquote(p); ok && s != "" {
			if strings.HasPrefix(p, "@") {
				return "unix @" + Template(s)
			}
			return "unix " + Template(s)
		}
		return ""
	case "AF_NETLINK":
		return "netlink"
	}
	return ""
}

// field returns the text after key up to the next top-level ", " or "}".
func field(a, key string) string {
	i := strings.Index(a, key)
	if i < 0 {
		return ""
	}
	v := a[i+len(key):]
	if j := strings.Index(v, ", "); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSuffix(v, "}")
}

// Scope classifies an IP address: loopback, private (RFC 1918, ULA,
// link-local), any (unspecified), multicast, public, or "?" when it is
// not an address.
func Scope(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "?"
	}
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified():
		return "any"
	case a.IsPrivate(), a.IsLinkLocalUnicast():
		return "private"
	case a.IsMulticast():
		return "multicast"
	}
	return "public"
}

// DigestMark separates an executable's path from its digest in a keyed
// identity ("/usr/bin/ls@sha256:9f86...").
const DigestMark = "@sha256:"

// DigestKey is what a keyed identity appends to the executable's path:
// DigestMark and the hex digest, or DigestMark and "?" when the file could
// not be read (a program removed after its run, a path that is not a
// regular file), which matches no digest.
func DigestKey(hex string) string {
	if hex == "" {
		hex = "?"
	}
	return DigestMark + hex
}

// SplitDigest splits a keyed executable or identity into the executable's
// path (followed by the rest of the identity, a script's path) and its
// digest; digest is "" for an unkeyed one.
func SplitDigest(id string) (plain, digest string) {
	exe, rest, _ := strings.Cut(id, " ")
	p, d, ok := strings.Cut(exe, DigestMark)
	if !ok {
		return id, ""
	}
	if rest != "" {
		p += " " + rest
	}
	return p, d
}

// digest is Digest's answer for an absolute path, asked once per sample.
func (r *Recorder) digest(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "" // relative to a folder the trace did not say
	}
	if d, ok := r.digests[p]; ok {
		return d
	}
	d := r.Digest(p)
	if r.digests == nil {
		r.digests = map[string]string{}
	}
	if len(r.digests) < MaxItems {
		r.digests[p] = d
	}
	return d
}
