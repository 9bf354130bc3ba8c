package trace_test

import (
	"fmt"
	"strings"
	"testing"

	"detector/trace"
)

// A child whose first calls strace printed before its parent's clone
// returned is told as the parent's at its first line, once: consumers
// know its parent when it execs.
func TestEarlySpawn(t *testing.T) {
	log := `100 1.0 execve("/usr/bin/awk", ["awk", "BEGIN{system(\"id\")}"], 0x0 /* 0 vars */) = 0
100 1.1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
101 1.2 execve("/bin/sh", ["sh", "-c", "id"], 0x0 /* 0 vars */) = 0
100 1.3 <... clone resumed>, child_tidptr=0x7f) = 101
101 1.4 exit_group(0) = ?
101 1.5 +++ exited with 0 +++
100 1.6 clone(child_stack=NULL, flags=SIGCHLD) = 102
102 1.7 execve("/bin/true", ["true"], 0x0 /* 0 vars */) = 0
`
	var got []string
	_, err := trace.ParseEvents(strings.NewReader(log), func(e *trace.Event) error {
		switch e.Kind {
		case trace.EventSpawn:
			got = append(got, fmt.Sprintf("spawn %d>%d", e.PID, e.Child))
		case trace.EventExec:
			got = append(got, fmt.Sprintf("exec %d %s", e.PID, e.Call.ExecPath()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "exec 100 /usr/bin/awk,spawn 100>101,exec 101 /bin/sh,spawn 100>102,exec 102 /bin/true"
	if strings.Join(got, ",") != want {
		t.Errorf("events %s\nwant   %s", strings.Join(got, ","), want)
	}
}

// With two clones unfinished, the child's parent is not guessed: it is
// told when its clone returns.
func TestEarlySpawnAmbiguous(t *testing.T) {
	log := `100 0.9 getpid() = 100
200 0.9 getpid() = 200
100 1.0 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>
200 1.1 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>
101 1.2 getpid() = 101
100 1.3 <... clone resumed>) = 101
200 1.4 <... clone resumed>) = 201
`
	var got []string
	_, err := trace.ParseEvents(strings.NewReader(log), func(e *trace.Event) error {
		if e.Kind == trace.EventSpawn {
			got = append(got, fmt.Sprintf("spawn %d>%d", e.PID, e.Child))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "spawn 100>101,spawn 200>201"; strings.Join(got, ",") != want {
		t.Errorf("events %s, want %s", strings.Join(got, ","), want)
	}
}
