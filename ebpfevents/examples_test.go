package ebpfevents

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"detector/bpftrace"
	"detector/rules"
	"detector/trace"
)

// TestDefaultRulesExamplesUnderEBPF: every default rule's examples judge
// alike when the calls whose arguments the eBPF tracer decodes itself
// (an exec's argv and environment, capset's sets, socket's family and
// type, truncate's and ftruncate's length, clone's flags) are written
// from what the kernel side would send for them instead of strace's
// line: each match example still hits, each nomatch example still does
// not. A rule reading an argument the tracer leaves out or writes
// otherwise fails here. The other calls keep strace's line (their
// arguments are checked against real programs elsewhere).
func TestDefaultRulesExamplesUnderEBPF(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	converted := map[string]int{}
	examples := 0
	for _, r := range set.Rules() {
		for _, match := range []bool{true, false} {
			list := r.Examples.Match
			if !match {
				list = r.Examples.NoMatch
			}
			for _, ex := range list {
				text, n := asEBPF(t, ex.Text)
				if n == 0 {
					continue
				}
				examples++
				converted[r.ID] += n
				hits, err := set.RunExample(r.ID, text)
				if err != nil {
					t.Errorf("%s:%d (%s): %v\n%s", ex.File, ex.Line, r.ID, err, text)
					continue
				}
				if (hits > 0) != match {
					t.Errorf("%s:%d: rule %s: %d hits under eBPF's rendering, want match %v:\n%s\nstrace's:\n%s",
						ex.File, ex.Line, r.ID, hits, match, text, ex.Text)
				}
			}
		}
	}
	// The rules on these arguments have examples that were converted.
	for _, id := range []string{"capset", "history-env", "preload-env", "file-truncate-zero", "packet-socket", "untraced-clone", "exec-temp-dir"} {
		if converted[id] == 0 {
			t.Errorf("rule %s: no example line written as eBPF's", id)
		}
	}
	if examples < 50 {
		t.Errorf("%d examples converted, want at least 50", examples)
	}
}

// asEBPF writes each line of an example log whose call the eBPF tracer
// decodes itself as the converter writes the event the kernel side would
// send for it; other lines stay. n counts the lines written anew.
func asEBPF(t *testing.T, text string) (string, int) {
	t.Helper()
	c := New()
	var out []byte
	n := 0
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var call *trace.Call
		var when time.Duration
		var pid int
		trace.ParseEvents(strings.NewReader(line), func(e *trace.Event) error {
			if e.Kind == trace.EventCall && call == nil {
				call, pid = e.Call, e.PID
				when, _ = e.Time()
			}
			return nil
		})
		ev, keep, ok := eventOf(call)
		if call == nil || !ok {
			out = append(out, strings.TrimRight(line, "\n")+"\n"...)
			continue
		}
		n++
		if keep {
			ev.Pid = pid
			c.Events(ev, when, func(e *trace.Event) { out = e.AppendLine(out) })
		}
	}
	return string(out), n
}

// eventOf is the event the kernel side sends for call, as strace wrote
// it; ok is false for a call left as strace's line, keep false for one
// the tracer sends nothing for (a new thread).
func eventOf(call *trace.Call) (ev bpftrace.Event, keep, ok bool) {
	if call == nil {
		return ev, false, false
	}
	ev = bpftrace.Event{Kind: bpftrace.Call, Name: call.Name, Ret: call.Ret, RetKnown: true}
	if call.Errno != "" {
		ev.Ret = -int64(errnoOf(call.Errno))
	}
	switch call.Name {
	case "execve":
		path, _, _ := trace.Unquote(call.Arg(0))
		ev.Path = path
		if call.Ret != 0 {
			// A failure: the path and the first four arguments.
			argv, _ := array(call.Arg(1))
			ev.Argv, ev.ArgvCut = argv[:min(4, len(argv))], len(argv) > 4
			return ev, true, true
		}
		ev.Kind = bpftrace.Exec
		ev.Argv, _ = array(call.Arg(1))
		if len(ev.Argv) == 0 {
			// the kernel gives a program run with no argv [""] (5.18)
			ev.Argv = []string{""}
		}
		env, count := array(call.Arg(2))
		ev.EnvCount = count
		for _, v := range env {
			name, _, _ := strings.Cut(v, "=")
			if slices.Contains(bpftrace.DefaultEnv, name) {
				ev.Env = append(ev.Env, v)
			}
		}
	case "capset":
		ev.Cap = capsetOf(call.Arg(0), call.Arg(1))
	case "socket":
		ev.Args[0] = reverse(socketFamilies, call.Arg(0))
		for _, f := range strings.Split(call.Arg(1), "|") {
			switch f {
			case "SOCK_STREAM":
				ev.Args[1] |= unix.SOCK_STREAM
			case "SOCK_DGRAM":
				ev.Args[1] |= unix.SOCK_DGRAM
			case "SOCK_RAW":
				ev.Args[1] |= unix.SOCK_RAW
			case "SOCK_CLOEXEC":
				ev.Args[1] |= unix.SOCK_CLOEXEC
			case "SOCK_NONBLOCK":
				ev.Args[1] |= unix.SOCK_NONBLOCK
			}
		}
		// the kernel gives the protocol's number, strace its name
		ev.Args[2], _ = strconv.ParseInt(call.Arg(2), 10, 64)
		if n, ok := ipProtocols[call.Arg(2)]; ok {
			ev.Args[2] = n
		}
	case "truncate":
		ev.Path, _, _ = trace.Unquote(call.Arg(0))
		ev.Args[1], _ = strconv.ParseInt(call.Arg(1), 10, 64)
	case "ftruncate":
		fd, deco, _ := strings.Cut(strings.TrimSuffix(call.Arg(0), ">"), "<")
		n, _ := strconv.Atoi(fd)
		ev.Args[0] = int64(n)
		if deco != "" {
			ev.FD = &bpftrace.FD{Path: deco}
		}
		ev.Args[1], _ = strconv.ParseInt(call.Arg(1), 10, 64)
	case "clone":
		flags := call.Arg(1)
		if strings.Contains(flags, "CLONE_THREAD") {
			return ev, false, true // a thread: no event
		}
		if call.Ret > 0 {
			// A new process: a fork event, whose clone the converter writes.
			return bpftrace.Event{Kind: bpftrace.Fork, Child: int(call.Ret)}, true, true
		}
		for _, f := range strings.Split(strings.TrimPrefix(flags, "flags="), "|") {
			if i := slices.Index(cloneFlagNames[:], f); i >= 0 {
				ev.Args[0] |= 1 << (8 + i)
			} else if s := unix.SignalNum(f); s != 0 {
				ev.Args[0] |= int64(s)
			}
		}
	default:
		return ev, false, false
	}
	if !call.RetKnown {
		ev.RetKnown = false
	}
	return ev, true, true
}

// array reads a string array as strace writes it: its elements, and how
// many it has ("/* 3 vars */" counts those not shown).
func array(arg string) ([]string, int) {
	if i := strings.Index(arg, "/* "); i >= 0 && !strings.HasPrefix(arg, "[") {
		n, _ := strconv.Atoi(strings.Fields(arg[i+3:])[0])
		return nil, n
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(arg, "["), "]")
	if inner == "" {
		return nil, 0
	}
	c := trace.NewCall(0, "x", inner, 0, false, "")
	var out []string
	for i := 0; ; i++ {
		a := c.Arg(i)
		if a == "" {
			break
		}
		s, _, ok := trace.Unquote(a)
		if !ok {
			break
		}
		out = append(out, s)
	}
	return out, len(out)
}

// capsetOf reads capset's header and data as strace writes them.
func capsetOf(hdr, data string) *bpftrace.CapData {
	field := func(s, name string) string {
		i := strings.Index(s, name+"=")
		if i < 0 {
			return ""
		}
		s = s[i+len(name)+1:]
		if j := strings.IndexAny(s, ",}"); j >= 0 {
			s = s[:j]
		}
		return strings.TrimSpace(s)
	}
	c := &bpftrace.CapData{Sets: strings.HasPrefix(data, "{")}
	for v, name := range capVersions {
		if field(hdr, "version") == name {
			c.Version = v
		}
	}
	pid, _ := strconv.Atoi(field(hdr, "pid"))
	c.Pid = int32(pid)
	bits := func(s string) uint64 {
		var v uint64
		for _, f := range strings.Split(s, "|") {
			if i := slices.Index(capNames[:], strings.TrimPrefix(f, "1<<")); i >= 0 {
				v |= 1 << i
			}
		}
		return v
	}
	c.Effective, c.Permitted, c.Inheritable = bits(field(data, "effective")), bits(field(data, "permitted")), bits(field(data, "inheritable"))
	return c
}

func reverse(names map[int64]string, s string) int64 {
	for n, name := range names {
		if name == s {
			return n
		}
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func errnoOf(name string) unix.Errno {
	for e := unix.Errno(1); e < 4096; e++ {
		if unix.ErrnoName(e) == name {
			return e
		}
	}
	return unix.EPERM
}

// ipProtocols are the numbers of the protocol names strace writes in
// socket's third argument.
var ipProtocols = map[string]int64{
	"IPPROTO_IP": 0, "IPPROTO_ICMP": 1, "IPPROTO_TCP": 6, "IPPROTO_UDP": 17,
	"IPPROTO_IPV6": 41, "IPPROTO_ICMPV6": 58, "IPPROTO_RAW": 255,
}
