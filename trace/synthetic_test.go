package trace

import (
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
