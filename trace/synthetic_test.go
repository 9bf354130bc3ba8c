package trace

import (
	"bytes"
	"testing"
	"time"
)

func TestSyntheticCall(t *testing.T) {
	c := NewCall(7, "openat", `AT_FDCWD, "/etc/shadow", O_RDONLY`, 3, true, "")
	if c.Arg(1) != `"/etc/shadow"` || c.Arg(2) != "O_RDONLY" || c.ArgsView() != c.Args() {
		t.Errorf("args %q %q", c.Arg(1), c.Arg(2))
	}
	e := &Event{Kind: EventCall, PID: 7, Call: c}
	want := 1795353237*time.Second + 12*time.Microsecond
	e.SetTime(want)
	if got, ok := e.Time(); !ok || got != want {
		t.Errorf("time %v %v, want %v", got, ok, want)
	}
	x := &Event{Kind: EventExec, PID: 7, Call: NewCall(7, "execve", `"/bin/sh", ["sh", "-i"], 0x0 /* 0 vars */`, 0, true, "")}
	if argv, _ := x.Call.ExecArgv(); x.Call.ExecPath() != "/bin/sh" || len(argv) != 2 || argv[1] != "-i" {
		t.Errorf("exec %q %q", x.Call.ExecPath(), argv)
	}
}

// TestAppendLineRoundTrip: lines written by AppendLine parse back into
// the same events, spawns and execs following from the calls.
func TestAppendLineRoundTrip(t *testing.T) {
	at := func(e *Event, us int64) *Event { e.SetTime(time.Duration(us) * time.Microsecond); return e }
	in := []*Event{
		at(&Event{Kind: EventCall, PID: 10, Call: NewCall(10, "execve", `"/bin/sh", ["sh", "-c", "x"], 0x0 /* 0 vars */`, 0, true, "")}, 1700000000000001),
		at(&Event{Kind: EventCall, PID: 10, Call: NewCall(10, "openat", `AT_FDCWD, "/etc/shadow", O_RDONLY`, -1, true, "EACCES")}, 1700000000000002),
		at(&Event{Kind: EventCall, PID: 10, Call: NewCall(10, "getppid", "", 9, true, "")}, 1700000000000003),
		at(&Event{Kind: EventCall, PID: 10, Call: NewCall(10, "clone", "", 11, true, "")}, 1700000000000004),
		at(&Event{Kind: EventCall, PID: 11, Call: NewCall(11, "exit_group", "3", 0, false, "")}, 1700000000000005),
		at(&Event{Kind: EventExit, PID: 11, ExitCode: 3}, 1700000000000006),
		at(&Event{Kind: EventExit, PID: 10, Signal: "SIGKILL"}, 1700000000000007),
	}
	var log []byte
	for _, e := range in {
		log = e.AppendLine(log)
	}
	type got struct {
		kind          EventKind
		pid, child    int
		name, args    string
		ret           int64
		known         bool
		errno, signal string
		code          int
		ts            time.Duration
	}
	var out []got
	_, err := ParseEvents(bytes.NewReader(log), func(e *Event) error {
		g := got{kind: e.Kind, pid: e.PID, code: e.ExitCode, signal: e.Signal}
		if e.Kind == EventSpawn {
			g.child = e.Child
		}
		g.ts, _ = e.Time()
		if e.Call != nil {
			g.name, g.args, g.ret, g.known, g.errno = e.Call.Name, e.Call.Args(), e.Call.Ret, e.Call.RetKnown, e.Call.Errno
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	want := []got{
		{kind: EventCall, pid: 10, name: "execve", args: `"/bin/sh", ["sh", "-c", "x"], 0x0 /* 0 vars */`, known: true},
		{kind: EventExec, pid: 10, name: "execve", args: `"/bin/sh", ["sh", "-c", "x"], 0x0 /* 0 vars */`, known: true},
		{kind: EventCall, pid: 10, name: "openat", args: `AT_FDCWD, "/etc/shadow", O_RDONLY`, ret: -1, known: true, errno: "EACCES"},
		{kind: EventCall, pid: 10, name: "getppid", ret: 9, known: true},
		{kind: EventCall, pid: 10, name: "clone", ret: 11, known: true},
		{kind: EventSpawn, pid: 10, child: 11},
		{kind: EventCall, pid: 11, name: "exit_group", args: "3"},
		{kind: EventExit, pid: 11, code: 3},
		{kind: EventExit, pid: 10, signal: "SIGKILL"},
	}
	for i := range want {
		want[i].ts = time.Duration(1700000000000001+[]int64{0, 0, 1, 2, 3, 3, 4, 5, 6}[i]) * time.Microsecond
	}
	if len(out) != len(want) {
		t.Fatalf("%d events, want %d:\n%+v\n%s", len(out), len(want), out, log)
	}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, out[i], want[i])
		}
	}
}
