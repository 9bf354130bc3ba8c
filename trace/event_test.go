package trace

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseEvents(t *testing.T) {
	log := strings.Join([]string{
		`100 1700000000.250000 execve("/bin/sh", ["sh", "-c", "true"], 0x7ffd /* 3 vars */) = 0`,
		`100 1700000000.500000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 101`,
		`101 1700000000.600000 execve("/bin/true", ["true"], 0x55 /* 3 vars */ <unfinished ...>`,
		`100 1700000000.650000 wait4(-1,  <unfinished ...>`,
		`101 1700000000.700000 <... execve resumed>) = 0`,
		`101 1700000000.800000 exit_group(0)             = ?`,
		`101 1700000000.800001 +++ exited with 0 +++`,
		`100 1700000000.900000 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101`,
		`100 1700000000.950000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101} ---`,
		`100 1700000001.000000 +++ killed by SIGKILL (core dumped) +++`,
	}, "\n") + "\n"
	var got []string
	st, err := ParseEvents(strings.NewReader(log), func(e *Event) error {
		tm, _ := e.Time()
		s := fmt.Sprintf("%s pid=%d t=%v", e.Kind, e.PID, tm)
		switch e.Kind {
		case EventCall:
			s += " " + e.Call.Name
		case EventExec:
			argv, whole := e.Call.ExecArgv()
			s += fmt.Sprintf(" %s %q %v", e.Call.ExecPath(), argv, whole)
		case EventSpawn:
			s += fmt.Sprintf(" child=%d", e.Child)
		case EventExit:
			s += fmt.Sprintf(" code=%d sig=%q core=%v", e.ExitCode, e.Signal, e.CoreDumped)
		}
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	epoch := func(s, us int64) time.Duration {
		return time.Duration(s)*time.Second + time.Duration(us)*time.Microsecond
	}
	want := []string{
		fmt.Sprintf("call pid=100 t=%v execve", epoch(1700000000, 250000)),
		fmt.Sprintf(`exec pid=100 t=%v /bin/sh ["sh" "-c" "true"] true`, epoch(1700000000, 250000)),
		fmt.Sprintf("call pid=100 t=%v clone", epoch(1700000000, 500000)),
		fmt.Sprintf("spawn pid=100 t=%v child=101", epoch(1700000000, 500000)),
		fmt.Sprintf("call pid=101 t=%v execve", epoch(1700000000, 700000)),
		fmt.Sprintf(`exec pid=101 t=%v /bin/true ["true"] true`, epoch(1700000000, 700000)),
		fmt.Sprintf("call pid=101 t=%v exit_group", epoch(1700000000, 800000)),
		fmt.Sprintf(`exit pid=101 t=%v code=0 sig="" core=false`, epoch(1700000000, 800001)),
		fmt.Sprintf("call pid=100 t=%v wait4", epoch(1700000000, 900000)),
		fmt.Sprintf(`exit pid=100 t=%v code=0 sig="SIGKILL" core=true`, epoch(1700000001, 0)),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st.Calls != 5 || st.Exits != 2 || st.Signals != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestParseTimestamp(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"12:34:56", 12*time.Hour + 34*time.Minute + 56*time.Second, true},
		{"12:34:56.123456", 12*time.Hour + 34*time.Minute + 56*time.Second + 123456*time.Microsecond, true},
		{"1700000000.000001", 1700000000*time.Second + time.Microsecond, true},
		{"0.000123", 123 * time.Microsecond, true},
		{"", 0, false},
		{"1:2:3:4", 0, false},
		{"12a", 0, false},
	} {
		got, ok := parseTimestamp([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseTimestamp(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseEventsMatchesParseStrace(t *testing.T) {
	log := "open(\"/a\", O_RDONLY) = 3\nread(3, \"x\", 1) = 1\n+++ exited with 0 +++\n"
	var a, b []string
	if _, err := ParseStrace(strings.NewReader(log), func(c *Call) error { a = append(a, c.Name+c.Args()); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEvents(strings.NewReader(log), CallsOnly(func(c *Call) error { b = append(b, c.Name+c.Args()); return nil })); err != nil {
		t.Fatal(err)
	}
	if strings.Join(a, "|") != strings.Join(b, "|") {
		t.Errorf("ParseStrace %q, ParseEvents %q", a, b)
	}
}
