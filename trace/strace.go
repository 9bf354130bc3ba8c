package trace

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"sync"
	"unsafe"

	"github.com/elastic/go-libaudit/v2/auparse"
)

// MaxLineBytes is the longest line ParseStrace reads whole (4 MiB). Of a
// longer line it keeps only the first MaxLineBytes-64 KiB and the last 64
// KiB, joined, and parses that: the call keeps its name and its return, and
// its Args lose the middle. Stats.Cut counts such lines. Nothing longer is
// ever held in memory, so a hostile line of any length costs at most
// MaxLineBytes.
//
// strace itself prints no return part longer than a few KiB, and with
// the sandbox's -s 256 no line near 4 MiB: the longest, an execve whose
// argv fills the kernel's limit, stays under 300 KiB (-s caps both each
// string and the number of array elements shown). Only -s of a million
// or more with huge buffers or argv arrays makes lines this long.
const MaxLineBytes = 4 << 20

// MaxNames is the most distinct system-call names one log may hold: a
// further name is a *ParseError. A system-call table has fewer than 500
// names, and a log holds far fewer; the bound keeps the parser's name table
// small whatever the input. Errno names are kept apart: past 256 distinct
// ones, further errnos are allocated per call instead of interned.
const MaxNames = 1024

// MaxNameBytes is the longest call name read: a line whose name is longer
// is not strace's (the longest Linux name has 28 bytes, strace's
// "syscall_0x..." spelling of unknown numbers at most 26).
const MaxNameBytes = 64

const (
	readBufSize   = 256 << 10
	tailBytes     = 64 << 10                 // the end of a cut line kept for its return
	headBytes     = MaxLineBytes - tailBytes // the start of a cut line kept for its name and arguments
	maxErrnos     = 256                      // distinct errno names interned
	maxErrnoBytes = 32                       // longest errno name read ("ERESTART_RESTARTBLOCK" has 21)
	unfinished    = " <unfinished ...>"
	resumedOpen   = "<... "
	resumedClose  = " resumed>"
)

var errTooManyNames = fmt.Errorf("more than %d distinct system-call names; no system-call table has that many", MaxNames)

// ParseStrace streams an strace log from r and calls fn once per system call
// in log order.
//
// The log may come from strace -o FILE or from strace's stderr, with or
// without -f (pid column or "[pid N]" prefix), from one -ff file, with any
// of -t, -tt, -ttt, -r, -T, -y, -yy, -Y, -n, -i, -X raw|abbrev|verbose, -s N
// and -e inject, and lines of any length (see MaxLineBytes for lines longer
// than 4 MiB).
//
// An unfinished/resumed pair is one call, matched per pid and delivered
// when the resumed line is seen, with Args joining both parts. A call left
// unfinished at the end of input is delivered then, in the order the calls
// started, with RetKnown false; so are all waiting calls when more than
// 65,536 calls wait at once (a bound on memory, never reached by real
// logs). The waiting calls keep at most 8 MiB of argument text in all; an
// unfinished call that arrives when they hold more keeps none, and its Args
// hold only the resumed part. A resumed line without its unfinished half (as
// after strace -p attaches) is delivered with the resumed part only.
//
// Calls that never returned are delivered with RetKnown false and Errno "":
// exit_group, and calls cut off by their process's death ("= ?"). strace
// -c/-C counts only calls that returned, so the histogram of calls with
// RetKnown or an Errno (like "= ? ERESTARTSYS") equals strace's summary.
//
// A line is taken as strace's when, after the optional pid and timestamp
// fields, it is "+++ ... +++", "--- ... ---", "<... NAME resumed>" followed
// by ") = RETURN", or NAME( followed by " <unfinished ...>" or by a closing
// parenthesis, " = " and a return that strace could have printed (a number
// or "?", then optional errno, (comment), /* comment */, <decoration> and
// <duration>; see parseReturn). NAME must be a lower-case identifier. Any other line, such as
// the traced program's own stderr, the -c/-C summary table or strace's own
// "strace: ..." messages, is skipped and counted in Stats.Skipped. A program
// line that has exactly strace's shape, like "foo(bar) = 3", cannot be told
// apart and is read as a call. When the program writes to the stream strace
// writes to, its output can split a call line in two; see danglingCall for
// how such lines are joined.
//
// If fn returns an error, parsing stops and that error is returned as is.
// Read errors and a log with more than MaxNames distinct call names are
// returned as *ParseError.
//
// Memory is bounded whatever the input: about 35 MiB at most (a 4 MiB line
// buffer and the joins of long unfinished/resumed pairs, 8 MiB of waiting
// argument text, the 65,536 waiting calls, and the name tables), and a few
// hundred KiB for real logs.
func ParseStrace(r io.Reader, fn func(*Call) error) (Stats, error) {
	p := newStraceParser(fn, 0)
	err := p.run(r)
	return p.st, err
}

type pendingCall struct {
	name   string
	args   []byte
	seq    uint64
	compat bool
}

type straceParser struct {
	fn           func(*Call) error
	efn          func(*Event) error // set by ParseEvents; then fn is unused
	ev           Event
	ts           []byte // the current line's timestamp field, if any
	defPID       int
	st           Stats
	line         int64
	call         Call
	names        map[string]string // call names, at most MaxNames
	errnos       map[string]string // errno names, at most maxErrnos
	cache        [512]string       // recent names and errnos, by a cheap hash
	pending      map[int]*pendingCall
	pendingBytes int // capacity of the argument buffers held by pending
	free         []*pendingCall
	seq          uint64
	join         []byte
	dangling     danglingCall
	long         []byte       // a line longer than the reader's buffer; capacity MaxLineBytes
	tail         []byte       // the last bytes read of a line longer than MaxLineBytes
	sysno        int          // the current line's -n system-call number, -1 without one
	mode32       map[int]bool // pids strace said run in 32 bit mode; at most maxMode32
	last32       bool         // the last mode line said 32 bit (for lines without a pid)
	retPath      []byte       // RetPath of the current call when it had to be unescaped
	// seen holds the pids with a line so far (at most maxSeen), and early
	// the children announced by earlyParent before their parent's clone
	// returned (child -> parent): ParseEvents only.
	seen  map[int]bool
	early map[int]int
}

// maxSeen bounds the pids earlyParent remembers; past it, children are
// told only when their parent's clone returns.
const maxSeen = 1 << 16

// maxMode32 bounds the pids remembered in 32-bit mode; the mode of
// further pids is not remembered.
const maxMode32 = 4096

func newStraceParser(fn func(*Call) error, defPID int) *straceParser {
	return &straceParser{
		fn:      fn,
		defPID:  defPID,
		names:   make(map[string]string),
		errnos:  make(map[string]string),
		pending: make(map[int]*pendingCall),
	}
}

func (p *straceParser) run(r io.Reader) error {
	br := bufio.NewReaderSize(r, readBufSize)
	for {
		b, err := br.ReadSlice('\n')
		n := int64(len(b))
		if err == bufio.ErrBufferFull {
			b, n, err = p.readLong(br, b)
		}
		if n > 0 {
			p.st.Bytes += n
			p.line++
			p.st.Lines++
			if herr := p.handle(b); herr != nil {
				return herr
			}
		}
		// Do not keep one long line's joins for the rest of the log.
		if cap(p.join) > MaxLineBytes {
			p.join = nil
		}
		if cap(p.dangling.args) > 1<<20 && !p.dangling.active {
			p.dangling.args = nil
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return newParseError(p.line+1, 0, nil, err)
		}
	}
	return p.flush()
}

// readLong reads the rest of a line longer than the reader's buffer, whose
// start is b. It returns the line, whole if it has at most MaxLineBytes,
// else its first headBytes and last tailBytes joined; n is the line's
// length in the input. It never holds more than MaxLineBytes of the line.
func (p *straceParser) readLong(br *bufio.Reader, b []byte) (line []byte, n int64, err error) {
	if p.long == nil {
		p.long = make([]byte, 0, MaxLineBytes)
	}
	p.long = append(p.long[:0], b...)
	n = int64(len(b))
	cut := false
	for err = bufio.ErrBufferFull; err == bufio.ErrBufferFull; {
		b, err = br.ReadSlice('\n')
		n += int64(len(b))
		if !cut {
			if len(p.long)+len(b) <= MaxLineBytes {
				p.long = append(p.long, b...)
				continue
			}
			cut = true
			if p.tail == nil {
				p.tail = make([]byte, 0, 2*tailBytes)
			}
			p.tail = append(p.tail[:0], p.long[headBytes:]...)
			p.long = p.long[:headBytes]
		}
		p.keepTail(b)
	}
	if cut {
		p.st.Cut++
		t := p.tail
		if len(t) > tailBytes {
			t = t[len(t)-tailBytes:]
		}
		p.long = append(p.long, t...)
	}
	return p.long, n, err
}

// keepTail appends b to p.tail, keeping at least the last tailBytes bytes
// in a buffer of 2*tailBytes.
func (p *straceParser) keepTail(b []byte) {
	if len(b) >= tailBytes {
		p.tail = append(p.tail[:0], b[len(b)-tailBytes:]...)
		return
	}
	if len(p.tail)+len(b) > cap(p.tail) {
		keep := tailBytes - len(b)
		copy(p.tail, p.tail[len(p.tail)-keep:])
		p.tail = p.tail[:keep]
	}
	p.tail = append(p.tail, b...)
}

// flush delivers the calls still unfinished, in the order they started.
func (p *straceParser) flush() error {
	if len(p.pending) == 0 {
		return nil
	}
	pids := make([]int, 0, len(p.pending))
	for pid := range p.pending {
		pids = append(pids, pid)
	}
	sort.Slice(pids, func(i, j int) bool { return p.pending[pids[i]].seq < p.pending[pids[j]].seq })
	for _, pid := range pids {
		pc := p.pending[pid]
		delete(p.pending, pid)
		p.pendingBytes -= cap(pc.args)
		if err := p.deliverPending(pid, pc); err != nil {
			return err
		}
	}
	return nil
}

func (p *straceParser) deliverPending(pid int, pc *pendingCall) error {
	p.call = Call{PID: pid, Name: pc.name, args: pc.args, Compat: pc.compat}
	err := p.deliver()
	p.recycle(pc)
	return err
}

// recycle keeps pc for a later unfinished call, with its argument buffer
// when that is small: the free list holds at most 1024 calls and 4 MiB.
func (p *straceParser) recycle(pc *pendingCall) {
	if len(p.free) >= 1024 {
		return
	}
	if cap(pc.args) > 4<<10 {
		pc.args = nil
	}
	p.free = append(p.free, pc)
}

func (p *straceParser) deliver() error {
	p.st.Calls++
	if p.efn != nil {
		return p.emitCall()
	}
	return p.fn(&p.call)
}

// handle parses one line, newline included.
func (p *straceParser) handle(line []byte) error {
	p.ts, p.sysno = nil, -1
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	ok, err := p.straceLine(line)
	if err != nil || ok {
		p.dangling.active = false
		return err
	}
	if p.dangling.active {
		if done, err := p.continueDangling(line); done || err != nil {
			return err
		}
	}
	p.st.Skipped++
	if !p.dangling.active {
		p.startDangling(line)
	}
	return nil
}

// straceLine parses a line that stands on its own and reports whether it
// was one of strace's.
func (p *straceParser) straceLine(line []byte) (bool, error) {
	pid, rest, ok := p.prefix(line)
	if !ok || len(rest) == 0 {
		return false, nil
	}
	if p.efn != nil && pid > 0 && !p.seen[pid] {
		if err := p.earlyParent(pid); err != nil {
			return true, err
		}
	}
	switch rest[0] {
	case '+':
		if len(rest) >= 8 && bytes.HasPrefix(rest, []byte("+++ ")) && bytes.HasSuffix(rest, []byte(" +++")) {
			p.st.Exits++
			if p.efn != nil {
				return true, p.emitExit(pid, rest[4:len(rest)-4])
			}
			return true, nil
		}
	case '-':
		if bytes.HasPrefix(rest, []byte("--- ")) && bytes.HasSuffix(rest, []byte(" ---")) {
			p.st.Signals++
			return true, nil
		}
	case '<':
		return p.resumed(pid, rest)
	case '[':
		return p.personality(rest), nil
	default:
		return p.callLine(pid, rest)
	}
	return false, nil
}

// earlyParent is called at the first line of pid. strace -f may print a
// new process's first calls before its parent's clone returns; the child
// then runs, and execs, with its parent unknown to the consumers. When
// exactly one process has a clone, clone3, fork or vfork unfinished, it
// is the parent: the spawn is told now, and not again when the clone
// returns.
func (p *straceParser) earlyParent(pid int) error {
	if p.seen == nil {
		p.seen = make(map[int]bool)
		p.early = make(map[int]int)
	}
	if len(p.seen) >= maxSeen {
		return nil
	}
	first := len(p.seen) == 0
	p.seen[pid] = true
	if first {
		return nil
	}
	parent := 0
	for q, pc := range p.pending {
		switch pc.name {
		case "clone", "clone3", "fork", "vfork":
			if q == pid || parent != 0 {
				return nil // its own call, or two candidates: wait for the return
			}
			parent = q
		}
	}
	if parent == 0 || len(p.early) >= maxSeen {
		return nil
	}
	p.early[pid] = parent
	p.ev = Event{Kind: EventSpawn, PID: parent, Child: pid, ts: p.ts}
	return p.efn(&p.ev)
}

// A dangling call is the start of a call line that strace wrote to a stream
// the traced program writes to as well: strace prints a call's name and
// arguments when the call starts and the rest when it returns, so output
// the program writes meanwhile (a write to stderr, or strace's own "Process
// N attached" note) ends up in the middle of the line. When that output
// holds a newline, the line is split: "write(2, "hi\n", 3hi" and then
// ")  = 3". The parser keeps the start of such a line and completes the
// call with the first later line that is not strace's on its own but ends
// like one (") = RETURN" or " <unfinished ...>"); lines in between that
// start like calls are the program's, and any complete strace line in
// between abandons it. The program's text stays in the call's Args.
type danglingCall struct {
	active bool
	pid    int
	sysno  int    // the start line's -n number, -1 without one
	name   []byte // not interned until the call is complete
	args   []byte
}

// startDangling remembers line if it starts like a call.
func (p *straceParser) startDangling(line []byte) {
	pid, rest, ok := p.prefix(line)
	n := ident(rest)
	if !ok || n == 0 || n >= len(rest) || rest[n] != '(' {
		return
	}
	p.dangling = danglingCall{
		active: true,
		pid:    pid,
		sysno:  p.sysno,
		name:   append(p.dangling.name[:0], rest[:n]...),
		args:   append(p.dangling.args[:0], rest[n+1:]...),
	}
}

// continueDangling completes the dangling call with line if it can.
func (p *straceParser) continueDangling(line []byte) (bool, error) {
	d := &p.dangling
	p.sysno = d.sysno
	if bytes.HasSuffix(line, []byte(unfinished)) {
		d.active = false
		p.st.Skipped-- // the start line was strace's after all
		name, ok := p.internName(d.name)
		if !ok {
			return true, p.tooManyNames(d.name)
		}
		return true, p.startPending(d.pid, name, p.compat(d.pid, name), d.args, []byte("\n"), line[:len(line)-len(unfinished)])
	}
	var ret Call
	args, ok := splitReturn(line, &ret, p)
	if !ok {
		return false, nil
	}
	d.active = false
	p.st.Skipped--
	name, ok := p.internName(d.name)
	if !ok {
		return true, p.tooManyNames(d.name)
	}
	p.call = ret
	p.call.PID = d.pid
	p.call.Name = name
	p.call.Compat = p.compat(d.pid, name)
	p.join = append(append(append(p.join[:0], d.args...), '\n'), args...)
	p.call.args = p.join
	return true, p.deliver()
}

// prefix strips the optional "[pid N] " or pid column (with -Y, "N<comm>")
// and any timestamp fields (-t, -tt, -ttt, -r) and bracketed fields of -n
// ("[ 59]") and -i ("[00007f0771a8cad7]"), and returns the pid and the rest
// of the line.
func (p *straceParser) prefix(line []byte) (pid int, rest []byte, ok bool) {
	pid = p.defPID
	i := 0
	gotPID := false
	if len(line) > 0 {
		switch c := line[0]; {
		case c >= 'a' && c <= 'z':
			return pid, line, true // no pid column, no timestamp: the common case without -f
		case c >= '0' && c <= '9':
			// The pid column of -f (or a -ttt/-r timestamp, which the
			// loop below reads when this is not followed by a space).
			v, j := parseDec(line, 0)
			if j < len(line) && line[j] == '<' {
				j = skipComm(line, j)
			}
			if j < len(line) && line[j] == ' ' {
				pid, gotPID, i = v, true, j
			}
		}
	}
	if !gotPID && bytes.HasPrefix(line, []byte("[pid ")) {
		i = 5
		for i < len(line) && line[i] == ' ' {
			i++
		}
		v, j := parseDec(line, i)
		if j > i && j < len(line) && line[j] == '<' {
			j = skipComm(line, j)
		}
		if j == i || j >= len(line) || line[j] != ']' {
			return 0, nil, false
		}
		pid, gotPID, i = v, true, j+1
	}
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i < len(line) && line[i] == '[' {
			// -n's system-call number or -i's instruction pointer.
			j := i + 1
			for j < len(line) && bracketField[line[j]] {
				j++
			}
			if j == i+1 || j+1 >= len(line) || line[j] != ']' || line[j+1] != ' ' {
				break
			}
			if n, ok := sysnoField(line[i+1 : j]); ok {
				p.sysno = n
			}
			i = j + 1
			continue
		}
		j, class := i, uint8(0)
		for j < len(line) && prefixClass[line[j]] != 0 {
			class |= prefixClass[line[j]]
			j++
		}
		if j == i || j >= len(line) || line[j] != ' ' {
			break
		}
		if class == classDigit && !gotPID {
			pid, _ = parseDec(line, i)
			gotPID = true
		} else {
			p.ts = line[i:j]
		}
		i = j
	}
	return pid, line[i:], true
}

// skipComm returns the index just past the -Y decoration "<comm>" that
// starts at line[i], or len(line) when it is not closed.
func skipComm(line []byte, i int) int {
	j := skipDecoration(line, i+1)
	if line[j-1] != '>' {
		return len(line)
	}
	return j
}

// parseDec reads a non-negative decimal int at b[i:] and returns it with the
// index after it; values above 1<<31 are clamped.
func parseDec(b []byte, i int) (int, int) {
	v := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if v < 1<<31 {
			v = v*10 + int(b[i]-'0')
		}
		i++
	}
	return v, i
}

// Byte classes for the hand-written scanners.
const (
	classDigit = 1 << iota // 0-9
	classPunct             // '.' or ':' inside a timestamp
)

var (
	prefixClass  [256]uint8 // classDigit or classPunct for bytes of pid and timestamp fields
	identStart   [256]bool  // a-z, _
	identByte    [256]bool  // a-z, _, 0-9
	nestByte     [256]bool  // bytes that need nextTop inside a (comment)
	bracketField [256]bool  // bytes of -n and -i fields: hex digits, ' ' and '?'
)

func init() {
	for c := '0'; c <= '9'; c++ {
		prefixClass[c] = classDigit
		identByte[c] = true
	}
	prefixClass['.'], prefixClass[':'] = classPunct, classPunct
	for c := 'a'; c <= 'z'; c++ {
		identStart[c], identByte[c] = true, true
	}
	identStart['_'], identByte['_'] = true, true
	for _, c := range "(\"<[{/" {
		nestByte[c] = true
	}
	for _, c := range "0123456789abcdef ?" {
		bracketField[c] = true
	}
}

// ident returns the length of the lower-case identifier at the start of b,
// or 0 when there is none or it is longer than MaxNameBytes.
func ident(b []byte) int {
	if len(b) == 0 || !identStart[b[0]] {
		return 0
	}
	i := 1
	for i < len(b) && identByte[b[i]] {
		i++
	}
	if i > MaxNameBytes {
		return 0
	}
	return i
}

// internName returns the call name b as a string shared by all calls with
// that name. ok is false when b would be name number MaxNames+1. A small
// direct-mapped cache in front of the map makes the common case a hash of
// three bytes and one comparison.
func (p *straceParser) internName(b []byte) (s string, ok bool) {
	h := p.hash(b)
	if s := p.cache[h]; s == string(b) {
		return s, true
	}
	if s, ok := p.names[string(b)]; ok {
		p.cache[h] = s
		return s, true
	}
	if len(p.names) >= MaxNames {
		return "", false
	}
	s = string(b)
	p.names[s] = s
	p.cache[h] = s
	return s, true
}

// internErrno is internName for errno names (upper case, so they never
// collide with call names in the cache). Past maxErrnos distinct names it
// returns a new string each time.
func (p *straceParser) internErrno(b []byte) string {
	h := p.hash(b)
	if s := p.cache[h]; s == string(b) {
		return s
	}
	if s, ok := p.errnos[string(b)]; ok {
		p.cache[h] = s
		return s
	}
	s := string(b)
	if len(p.errnos) < maxErrnos {
		p.errnos[s] = s
		p.cache[h] = s
	}
	return s
}

func (p *straceParser) hash(b []byte) uint {
	if len(b) == 0 {
		return 0
	}
	return (uint(len(b))*31 + uint(b[0])*7 + uint(b[len(b)-1])*3 + uint(b[len(b)/2])) % uint(len(p.cache))
}

// tooManyNames is the error for a log whose call name name is one too many.
func (p *straceParser) tooManyNames(name []byte) error {
	return newParseError(p.line, 0, name, errTooManyNames)
}

// callLine handles "NAME(ARGS) = RET..." and "NAME(ARGS <unfinished ...>".
func (p *straceParser) callLine(pid int, rest []byte) (bool, error) {
	n := ident(rest)
	if n == 0 || n >= len(rest) || rest[n] != '(' {
		return false, nil
	}
	name := rest[:n]
	body := rest[n+1:]
	if n := len(body); n >= len(unfinished) && body[n-1] == '>' && body[n-2] == '.' && bytes.HasSuffix(body, []byte(unfinished)) {
		s, ok := p.internName(name)
		if !ok {
			return true, p.tooManyNames(name)
		}
		return true, p.startPending(pid, s, p.compat(pid, s), body[:len(body)-len(unfinished)])
	}
	p.call = Call{}
	args, ok := splitReturn(body, &p.call, p)
	if !ok {
		return false, nil
	}
	s, ok := p.internName(name)
	if !ok {
		return true, p.tooManyNames(name)
	}
	p.call.PID = pid
	p.call.Name = s
	p.call.Compat = p.compat(pid, s)
	p.call.args = args
	return true, p.deliver()
}

// Bounds on the unfinished calls kept waiting for their resumed halves.
// Past maxPendingCalls, all waiting calls are delivered as never finished;
// past maxPendingBytes of argument buffers, a new waiting call keeps no
// argument text. Memory stays bounded whatever the input.
const (
	maxPendingCalls = 1 << 16
	maxPendingBytes = 8 << 20
)

// startPending records the unfinished call name of pid, with the
// concatenation of parts as its argument text so far. A call pid already
// had waiting is delivered first, as never finished.
func (p *straceParser) startPending(pid int, name string, compat bool, parts ...[]byte) error {
	if old := p.pending[pid]; old != nil {
		delete(p.pending, pid)
		p.pendingBytes -= cap(old.args)
		if err := p.deliverPending(pid, old); err != nil {
			return err
		}
	}
	if len(p.pending) >= maxPendingCalls {
		if err := p.flush(); err != nil {
			return err
		}
	}
	var pc *pendingCall
	if n := len(p.free); n > 0 {
		pc = p.free[n-1]
		p.free = p.free[:n-1]
	} else {
		pc = &pendingCall{}
	}
	pc.name, pc.compat = name, compat
	pc.args = pc.args[:0]
	size := 0
	for _, b := range parts {
		size += len(b)
	}
	if p.pendingBytes+max(size, cap(pc.args)) > maxPendingBytes {
		pc.args = nil // too much text waits already: keep none of this call's
	} else {
		if cap(pc.args) < size {
			pc.args = make([]byte, 0, size)
		}
		for _, b := range parts {
			pc.args = append(pc.args, b...)
		}
	}
	p.pendingBytes += cap(pc.args)
	p.seq++
	pc.seq = p.seq
	p.pending[pid] = pc
	return nil
}

// resumed handles "<... NAME resumed>ARGS) = RET...".
func (p *straceParser) resumed(pid int, rest []byte) (bool, error) {
	if !bytes.HasPrefix(rest, []byte(resumedOpen)) {
		return false, nil
	}
	r := rest[len(resumedOpen):]
	n := ident(r)
	if n == 0 || !bytes.HasPrefix(r[n:], []byte(resumedClose)) {
		return false, nil
	}
	name := r[:n]
	body := r[n+len(resumedClose):]
	// Parse the return into a scratch Call first: delivering an orphaned
	// pending call below overwrites p.call.
	var ret Call
	args, ok := splitReturn(body, &ret, p)
	if !ok {
		return false, nil
	}
	pc := p.pending[pid]
	if pc == nil {
		pid, pc = p.pendingByName(name, pid)
	}
	if pc != nil {
		delete(p.pending, pid)
		p.pendingBytes -= cap(pc.args)
		if pc.name != string(name) {
			if err := p.deliverPending(pid, pc); err != nil {
				return true, err
			}
			pc = nil
		}
	}
	s, ok := p.internName(name)
	if !ok {
		return true, p.tooManyNames(name)
	}
	p.call = ret
	p.call.PID = pid
	p.call.Name = s
	p.call.Compat = p.compat(pid, s) || pc != nil && pc.compat
	if pc != nil {
		p.join = append(append(p.join[:0], pc.args...), args...)
		p.call.args = p.join
		p.recycle(pc)
	} else {
		p.call.args = args
	}
	return true, p.deliver()
}

// splitReturn splits "ARGS) = RET..." (the text after a call's opening
// parenthesis, or after "resumed>") into the argument text and the return,
// which it parses into c. It first tries the last " = " on the line, whose
// return part must then parse; strace's return decorations may contain
// " = " themselves (a -y path), in which case it falls back to a forward
// scan that respects quotes, brackets and decorations.
func splitReturn(body []byte, c *Call, p *straceParser) (args []byte, ok bool) {
	k := lastAssign(body)
	if k < 0 {
		return nil, false
	}
	j := k
	for j > 0 && body[j-1] == ' ' {
		j--
	}
	if j > 0 && body[j-1] == ')' && parseReturn(body[k+3:], c, p) {
		return body[:j-1], true
	}
	*c = Call{}
	e := closeParen(body, 0)
	if e >= len(body) || body[e] != ')' {
		return nil, false
	}
	t := e + 1
	for t < len(body) && body[t] == ' ' {
		t++
	}
	if t+1 >= len(body) || body[t] != '=' || body[t+1] != ' ' {
		return nil, false
	}
	if !parseReturn(body[t+2:], c, p) {
		return nil, false
	}
	return body[:e], true
}

// deletedNote follows the -y decoration of a file descriptor whose file was
// unlinked (strace 5.19 and later): 3</tmp/x>(deleted).
var deletedNote = []byte("(deleted)")

// closeParen returns the index of the ')' that closes a group whose body
// starts at i, skipping top-level commas (a return comment such as "(in [3],
// left {tv_sec=0, tv_nsec=5})" holds several items), or the index of an
// unmatched ']' or '}', or len(b).
func closeParen(b []byte, i int) int {
	e := nextTop(b, i)
	for e < len(b) && b[e] == ',' {
		e = nextTop(b, e+1)
	}
	return e
}

func hasNestByte(b []byte) bool {
	for _, c := range b {
		if nestByte[c] {
			return true
		}
	}
	return false
}

// lastAssign returns the index of the last " = " in b, or -1. The return
// text after it is short, so a backward byte loop beats bytes.LastIndex.
func lastAssign(b []byte) int {
	for i := len(b) - 2; i > 0; i-- {
		if b[i] == '=' && b[i-1] == ' ' && b[i+1] == ' ' {
			return i - 1
		}
	}
	return -1
}

// parseReturn parses strace's return text: "?" or a decimal, 0x-hex or
// 0-octal number, then an optional <decoration> (with -y, possibly followed
// by "(deleted)") and any of: an upper-case errno name, a (comment), which
// may hold commas and nested groups, a /* comment */, a <duration> or
// <decoration>. It fills Ret, RetKnown and Errno (interned through p when p
// is not nil).
func parseReturn(t []byte, c *Call, p *straceParser) bool {
	i := 0
	if len(t) == 0 {
		return false
	}
	if t[0] == '?' {
		i = 1
	} else {
		neg := false
		if t[0] == '-' {
			neg = true
			i++
		}
		var v uint64
		start := i
		if i+1 < len(t) && t[i] == '0' && t[i+1] == 'x' {
			i += 2
			start = i
			for i < len(t) && i-start < 16 {
				d, ok := hexVal(t[i])
				if !ok {
					break
				}
				v = v<<4 | uint64(d)
				i++
			}
		} else if i+1 < len(t) && t[i] == '0' && t[i+1] >= '0' && t[i+1] <= '7' {
			// Octal, as umask's return: 022.
			for i < len(t) && t[i] >= '0' && t[i] <= '7' && i-start < 23 {
				v = v<<3 | uint64(t[i]-'0')
				i++
			}
		} else {
			for i < len(t) && t[i] >= '0' && t[i] <= '9' && i-start < 20 {
				v = v*10 + uint64(t[i]-'0')
				i++
			}
		}
		if i == start {
			return false
		}
		c.Ret = int64(v)
		if neg {
			c.Ret = -c.Ret
		}
		c.RetKnown = true
	}
	// A decoration glued to the number: 3</etc/passwd>, or 4</memfd:x>(deleted)
	// for a file that no longer has a name, or 1234<comm> under -Y.
	if i < len(t) && t[i] == '<' {
		start := i + 1
		i = skipDecoration(t, start)
		if t[i-1] != '>' {
			return false
		}
		c.RetPath = retPath(t[start:i-1], p)
		if bytes.HasPrefix(t[i:], deletedNote) {
			i += len(deletedNote)
		}
	}
	first := true
	for i < len(t) {
		if t[i] != ' ' {
			return false
		}
		for i < len(t) && t[i] == ' ' {
			i++
		}
		if i == len(t) {
			break
		}
		switch ch := t[i]; {
		case ch == '(':
			j := bytes.IndexByte(t[i+1:], ')') + i + 1
			if j <= i || hasNestByte(t[i+1:j]) {
				j = closeParen(t, i+1)
			}
			if j >= len(t) || t[j] != ')' {
				return false
			}
			i = j + 1
		case ch == '<':
			i = skipDecoration(t, i+1)
			if t[i-1] != '>' {
				return false
			}
		case ch == '/' && i+1 < len(t) && t[i+1] == '*':
			j := bytes.Index(t[i+2:], []byte("*/"))
			if j < 0 {
				return false
			}
			i += 2 + j + 2
		case ch >= 'A' && ch <= 'Z':
			j := i + 1
			for j < len(t) && (t[j] >= 'A' && t[j] <= 'Z' || t[j] >= '0' && t[j] <= '9' || t[j] == '_') {
				j++
			}
			if j-i > maxErrnoBytes {
				return false
			}
			if first && p != nil {
				c.Errno = p.internErrno(t[i:j])
			}
			i = j
		default:
			return false
		}
		first = false
	}
	return true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pendingByName finds the unfinished call that a resumed line named name
// and marked pid completes when no call of pid is pending. Two cases have
// halves with different pids: strace drops the pid column once a single
// process is left, so a resumed line may carry none (pid is the default),
// and writing to a shared stderr strace can cut a call's first half off its
// pid column ("vfork(strace: Process 12 attached"), so the first half may
// carry none. It returns pid unchanged and nil if neither applies.
func (p *straceParser) pendingByName(name []byte, pid int) (int, *pendingCall) {
	if pid != p.defPID {
		if pc := p.pending[p.defPID]; pc != nil && pc.name == string(name) {
			return p.defPID, pc
		}
		return pid, nil
	}
	var found *pendingCall
	at := pid
	for k, pc := range p.pending {
		if pc.name == string(name) && (found == nil || pc.seq < found.seq) {
			found, at = pc, k
		}
	}
	return at, found
}

// retPath returns the object a -yy decoration of a call's return names
// (the text between its outer angle brackets): a path, with strace's
// escapes decoded and the nested device decoration of -yy
// ("/dev/null<char 1:3>") left out, or a socket's, pipe's or anonymous
// file's text ("TCP:[...]", "pipe:[5]", "anon_inode:[eventfd]"). A -Y
// process name ("1234<sh>") is none of these: "". The string shares the
// parser's buffer, like Args, unless it had escapes to decode.
func retPath(d []byte, p *straceParser) string {
	if len(d) == 0 || len(d) > maxRetPath {
		return ""
	}
	if d[0] == '/' {
		if k := bytes.IndexByte(d, '<'); k > 0 && d[len(d)-1] == '>' {
			d = d[:k]
		}
	} else if bytes.IndexByte(d, ':') < 0 {
		return ""
	}
	if bytes.IndexByte(d, '\\') < 0 {
		return unsafe.String(unsafe.SliceData(d), len(d))
	}
	if p == nil {
		return string(unescapePath(nil, d))
	}
	p.retPath = unescapePath(p.retPath[:0], d)
	if len(p.retPath) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(p.retPath), len(p.retPath))
}

// maxRetPath bounds a decoration read as a call's RetPath: the kernel's
// PATH_MAX, each byte escaped as \xNN.
const maxRetPath = 4 * 4096

// unescapePath appends d with strace's \xNN, octal and C escapes decoded.
func unescapePath(dst, d []byte) []byte {
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c != '\\' || i+1 >= len(d) {
			dst = append(dst, c)
			continue
		}
		i++
		switch e := d[i]; e {
		case 'x':
			if i+2 < len(d) {
				hi, ok1 := hexVal(d[i+1])
				lo, ok2 := hexVal(d[i+2])
				if ok1 && ok2 {
					dst = append(dst, hi<<4|lo)
					i += 2
					continue
				}
			}
			dst = append(dst, '\\', e)
		case 't':
			dst = append(dst, '\t')
		case 'n':
			dst = append(dst, '\n')
		case 'v':
			dst = append(dst, '\v')
		case 'f':
			dst = append(dst, '\f')
		case 'r':
			dst = append(dst, '\r')
		default:
			if e >= '0' && e <= '7' {
				v := int(e - '0')
				for k := 0; k < 2 && i+1 < len(d) && d[i+1] >= '0' && d[i+1] <= '7'; k++ {
					i++
					v = v*8 + int(d[i]-'0')
				}
				dst = append(dst, byte(v))
				continue
			}
			dst = append(dst, e)
		}
	}
	return dst
}

// sysnoField reads the system-call number of strace -n ("  59" between
// the brackets); -i's instruction pointer has 16 hex digits and is not one.
func sysnoField(b []byte) (int, bool) {
	n, digits := 0, 0
	for _, c := range b {
		switch {
		case c == ' ' && digits == 0:
		case c >= '0' && c <= '9' && digits < 6:
			n = n*10 + int(c-'0')
			digits++
		default:
			return 0, false
		}
	}
	return n, digits > 0
}

// personality reads strace's "[ Process PID=N runs in 32 bit mode. ]" (and
// 64 bit), printed before the first call a process makes through another
// entry point, and reports whether line was one. The calls of a process in
// 32-bit mode are Compat until it runs in 64-bit mode again.
func (p *straceParser) personality(line []byte) bool {
	const head = "[ Process PID="
	if !bytes.HasPrefix(line, []byte(head)) || !bytes.HasSuffix(line, []byte(" mode. ]")) {
		return false
	}
	pid, j := parseDec(line, len(head))
	if j == len(head) {
		return false
	}
	switch rest := line[j:]; {
	case bytes.HasPrefix(rest, []byte(" runs in 32 bit mode")):
		if p.mode32 == nil {
			p.mode32 = make(map[int]bool)
		}
		if len(p.mode32) < maxMode32 {
			p.mode32[pid] = true
		}
		p.last32 = true
	case bytes.HasPrefix(rest, []byte(" runs in ")):
		delete(p.mode32, pid)
		p.last32 = false
	default:
		return false
	}
	return true
}

// compat reports whether the call name of pid on the current line came
// through the i386 entry point: its -n number names another call on
// x86_64 and this one on i386, or, without -n, strace said pid runs in 32
// bit mode (for a line without a pid, as without -f: the last such line
// said 32 bit mode).
func (p *straceParser) compat(pid int, name string) bool {
	if n := p.sysno; n >= 0 {
		t := abiNames()
		if n < len(t.x64) && t.x64[n] == name {
			return false
		}
		return n < len(t.i386) && t.i386[n] == name
	}
	if pid == 0 {
		return p.last32
	}
	return len(p.mode32) > 0 && p.mode32[pid]
}

type abiTables struct{ x64, i386 []string }

// abiNames holds the x86_64 and i386 call names by number, built from the
// audit tables the first time a trace has -n numbers.
var abiNames = sync.OnceValue(func() abiTables {
	table := func(arch string) []string {
		m := auparse.AuditSyscalls[arch]
		n := 0
		for k := range m {
			if k >= 0 && k < 4096 {
				n = max(n, k+1)
			}
		}
		t := make([]string, n)
		for k, v := range m {
			if k >= 0 && k < n {
				t[k] = v
			}
		}
		return t
	}
	return abiTables{x64: table("x86_64"), i386: table("i386")}
})
