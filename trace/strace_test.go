package trace

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// got is a copy of a delivered call, for comparisons.
type got struct {
	PID      int
	Name     string
	Ret      int64
	RetKnown bool
	Errno    string
	Args     string
}

func (g got) String() string {
	return fmt.Sprintf("{%d %s(%s) ret=%d known=%v errno=%q}", g.PID, g.Name, g.Args, g.Ret, g.RetKnown, g.Errno)
}

func parseAll(t *testing.T, log string) ([]got, Stats) {
	t.Helper()
	var calls []got
	st, err := ParseStrace(strings.NewReader(log), func(c *Call) error {
		calls = append(calls, got{c.PID, c.Name, c.Ret, c.RetKnown, c.Errno, c.Args()})
		return nil
	})
	if err != nil {
		t.Fatalf("ParseStrace: %v", err)
	}
	return calls, st
}

func TestStraceLineShapes(t *testing.T) {
	cases := []struct {
		name string
		line string
		want got
	}{
		{"plain", `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`,
			got{0, "openat", 3, true, "", `AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC`}},
		{"pid column", `12345 close(3)                = 0`,
			got{12345, "close", 0, true, "", `3`}},
		{"short pid column", `7     close(3) = 0`, got{7, "close", 0, true, "", `3`}},
		{"pid prefix", `[pid  4242] getpid() = 4242`, got{4242, "getpid", 4242, true, "", ``}},
		{"-t", `19:54:21 brk(NULL) = 0x563963c38000`, got{0, "brk", 0x563963c38000, true, "", `NULL`}},
		{"-tt with pid", `7581  19:54:21.891480 brk(NULL)         = 0x563963c38000 <0.000010>`,
			got{7581, "brk", 0x563963c38000, true, "", `NULL`}},
		{"-ttt", `1732218861.891480 getuid() = 0`, got{0, "getuid", 0, true, "", ``}},
		{"-r", `     0.000123 getuid() = 1000`, got{0, "getuid", 1000, true, "", ``}},
		{"-r with pid", `4100       0.000123 getuid() = 1000`, got{4100, "getuid", 1000, true, "", ``}},
		{"errno", `access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory) <0.000010>`,
			got{0, "access", -1, true, "ENOENT", `"/etc/ld.so.preload", R_OK`}},
		{"no return", `exit_group(0)                           = ?`, got{0, "exit_group", 0, false, "", `0`}},
		{"restart", `read(0, 0x7ffc, 1024) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`,
			got{0, "read", 0, false, "ERESTARTSYS", `0, 0x7ffc, 1024`}},
		{"restart_syscall", `restart_syscall(<... resuming interrupted read ...>) = 0`,
			got{0, "restart_syscall", 0, true, "", `<... resuming interrupted read ...>`}},
		{"unknown syscall", `syscall_0x1b6(0x1, 0x2, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)`,
			got{0, "syscall_0x1b6", -1, true, "ENOSYS", `0x1, 0x2, 0, 0, 0, 0`}},
		{"-y return", `openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache> <0.000010>`,
			got{0, "openat", 3, true, "", `AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC`}},
		{"-y path holding ' = '", `openat(AT_FDCWD</tmp>, "/tmp/a) = 4>,b", O_RDONLY) = 3</tmp/a) = 4\76,b> <0.000010>`,
			got{0, "openat", 3, true, "", `AT_FDCWD</tmp>, "/tmp/a) = 4>,b", O_RDONLY`}},
		{"-yy device", `dup2(3</dev/null<char 1:3>>, 1) = 1</dev/null<char 1:3>>`,
			got{0, "dup2", 1, true, "", `3</dev/null<char 1:3>>, 1`}},
		{"-yy socket", `connect(3<TCP:[10.0.0.1:5000->10.0.0.2:80]>, {sa_family=AF_INET, sin_port=htons(80)}, 16) = 0`,
			got{0, "connect", 0, true, "", `3<TCP:[10.0.0.1:5000->10.0.0.2:80]>, {sa_family=AF_INET, sin_port=htons(80)}, 16`}},
		{"string with parens and quotes", `write(1, "f(x) = \"3\" (ok)\n", 18) = 18`,
			got{0, "write", 18, true, "", `1, "f(x) = \"3\" (ok)\n", 18`}},
		{"truncated string", `read(3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0"..., 832) = 832`,
			got{0, "read", 832, true, "", `3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0"..., 832`}},
		{"vars comment", `execve("/bin/sh", ["sh", "-c", "x"], 0x7ffd /* 25 vars */) = 0`,
			got{0, "execve", 0, true, "", `"/bin/sh", ["sh", "-c", "x"], 0x7ffd /* 25 vars */`}},
		{"-X verbose return", `fcntl(3, 0x3 /* F_GETFL */) = 0x8002 /* O_RDWR|O_LARGEFILE */`,
			got{0, "fcntl", 0x8002, true, "", `3, 0x3 /* F_GETFL */`}},
		{"poll comment", `poll([{fd=3, events=POLLIN}], 1, 100) = 1 ([{fd=3, revents=POLLIN}])`,
			got{0, "poll", 1, true, "", `[{fd=3, events=POLLIN}], 1, 100`}},
		{"timeout", `select(4, [3], NULL, NULL, {tv_sec=0, tv_usec=1}) = 0 (Timeout)`,
			got{0, "select", 0, true, "", `4, [3], NULL, NULL, {tv_sec=0, tv_usec=1}`}},
		{"injected", `openat(AT_FDCWD, "/x", O_RDONLY) = -1 EPERM (Operation not permitted) (INJECTED)`,
			got{0, "openat", -1, true, "EPERM", `AT_FDCWD, "/x", O_RDONLY`}},
		{"select out, left", `select(5, NULL, [4], NULL, {tv_sec=0, tv_usec=50000}) = 1 (out [4], left {tv_sec=0, tv_usec=49996})`,
			got{0, "select", 1, true, "", `5, NULL, [4], NULL, {tv_sec=0, tv_usec=50000}`}},
		{"pselect6 out, left", `pselect6(5, NULL, [4], NULL, {tv_sec=0, tv_nsec=50000000}, NULL) = 1 (out [4], left {tv_sec=0, tv_nsec=49996705})`,
			got{0, "pselect6", 1, true, "", `5, NULL, [4], NULL, {tv_sec=0, tv_nsec=50000000}, NULL`}},
		{"select in, out, left, -T", `select(7, [3], [6], NULL, {tv_sec=1, tv_usec=0}) = 2 (in [3], out [6], left {tv_sec=0, tv_usec=999998}) <0.000012>`,
			got{0, "select", 2, true, "", `7, [3], [6], NULL, {tv_sec=1, tv_usec=0}`}},
		{"ppoll left", `ppoll([{fd=3, events=POLLIN}, {fd=6, events=POLLOUT}], 2, {tv_sec=1, tv_nsec=0}, NULL, 8) = 2 ([{fd=3, revents=POLLIN}, {fd=6, revents=POLLOUT}], left {tv_sec=0, tv_nsec=999999459})`,
			got{0, "ppoll", 2, true, "", `[{fd=3, events=POLLIN}, {fd=6, events=POLLOUT}], 2, {tv_sec=1, tv_nsec=0}, NULL, 8`}},
		{"resumed pselect6", `1235 <... pselect6 resumed>)           = 1 (in [3], left {tv_sec=4, tv_nsec=984909896})`,
			got{1235, "pselect6", 1, true, "", ``}},
		{"-y deleted return", `memfd_create("", 0) = 4</memfd:>(deleted)`,
			got{0, "memfd_create", 4, true, "", `"", 0`}},
		{"-y deleted argument and return", `fcntl(9</tmp/x>(deleted), F_DUPFD_CLOEXEC, 0) = 10</tmp/x>(deleted) <0.000010>`,
			got{0, "fcntl", 10, true, "", `9</tmp/x>(deleted), F_DUPFD_CLOEXEC, 0`}},
		{"-yy TCPv6 return", `accept(7<TCPv6:[[::1]:37117]>, NULL, NULL) = 9<TCPv6:[[::1]:37117->[::1]:37046]>`,
			got{0, "accept", 9, true, "", `7<TCPv6:[[::1]:37117]>, NULL, NULL`}},
		{"fcntl flags", `fcntl(7, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)`,
			got{0, "fcntl", 0x8002, true, "", `7, F_GETFL`}},
		{"nested comma in comment", `ioprio_get(IOPRIO_WHO_PROCESS, 0) = 0 (IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0))`,
			got{0, "ioprio_get", 0, true, "", `IOPRIO_WHO_PROCESS, 0`}},
		{"unnamed errno", `getppid() = -1 (errno 1000)`, got{0, "getppid", -1, true, "", ``}},
		{"unavailable", `read(3, 0x7ffc, 1024) = ? <unavailable>`, got{0, "read", 0, false, "", `3, 0x7ffc, 1024`}},
		{"injected args, retval", `getitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}}) = 0 (INJECTED: args, retval)`,
			got{0, "getitimer", 0, true, "", `ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}}`}},
		{"delayed", `umask(022) = 022 (DELAYED)`, got{0, "umask", 0o22, true, "", `022`}},
		{"-Y pid column", `30620<sh> clone(child_stack=NULL, flags=SIGCHLD) = 30621<sh>`,
			got{30620, "clone", 30621, true, "", `child_stack=NULL, flags=SIGCHLD`}},
		{"-Y pid prefix", `[pid 23591<sh \76x>] getpid() = 23591<sh \76x>`, got{23591, "getpid", 23591, true, "", ``}},
		{"-n -i", `3390  08:48:30.455554 [  12] [00007f70385a2c47] brk(NULL) = 0x557f7851a000`,
			got{3390, "brk", 0x557f7851a000, true, "", `NULL`}},
		{"crlf", "getpid() = 5\r", got{0, "getpid", 5, true, "", ``}},
		{"unsigned hex", `mmap(NULL, 8192) = 0xffffffffffffffff`, got{0, "mmap", -1, true, "", `NULL, 8192`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls, st := parseAll(t, tc.line+"\n")
			if len(calls) != 1 || st.Skipped != 0 {
				t.Fatalf("got %v, stats %+v; want one call", calls, st)
			}
			if calls[0] != tc.want {
				t.Errorf("got  %v\nwant %v", calls[0], tc.want)
			}
		})
	}
}

func TestStraceNotCalls(t *testing.T) {
	log := strings.Join([]string{
		"hello from the program",
		"Usage: foo [options]",
		"error: open(config) failed",
		"strace: Process 4242 attached",
		"    at Main.run(Main.java:12)",
		"12:00:00 something happened",
		"Close(3) = 0",
		"f(x) = y",
		"% time     seconds  usecs/call     calls    errors syscall",
		"------ ----------- ----------- --------- --------- ----------------",
		" 32.13    0.000123          12        10           mmap",
		"100.00    0.000383           5        67         4 total",
		"",
		"\x00\x01binary\xff(",
		"close(3", // a call start never completed
	}, "\n")
	calls, st := parseAll(t, log)
	if len(calls) != 0 {
		t.Errorf("non-strace lines read as calls: %v", calls)
	}
	if st.Lines != 15 || st.Skipped != 15 {
		t.Errorf("stats %+v, want 15 lines, all skipped", st)
	}
}

// TestStraceStderr reads strace's stderr mixed with the program's: the
// program's output splits call lines, and strace's own notes interrupt them.
// The log is from strace 6.1 -f -C, trimmed.
func TestStraceStderr(t *testing.T) {
	log := `dup2(2, 1)                              = 1
write(1, "hello\n", 6hello
)                  = 6
write(1, "a\nfoo(x\nb", 9a
foo(x
b)                  = 9
rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], NULL, 8) = 0
vfork(strace: Process 17463 attached
 <unfinished ...>
[pid 17463] write(2, "ls: ", 4ls: )         = 4
[pid 17463] exit_group(2)               = ?
[pid 17463] +++ exited with 2 +++
<... vfork resumed>)                    = 17463
write(1, "x\n", 2x
program noise
getpid() = 1
) = 2
`
	calls, st := parseAll(t, log)
	want := []got{
		{0, "dup2", 1, true, "", "2, 1"},
		{0, "write", 6, true, "", "1, \"hello\\n\", 6hello\n"},
		{0, "write", 9, true, "", "1, \"a\\nfoo(x\\nb\", 9a\nb"},
		{0, "rt_sigprocmask", 0, true, "", "SIG_SETMASK, ~[RTMIN RT_1], NULL, 8"},
		{17463, "write", 4, true, "", "2, \"ls: \", 4ls: "},
		{17463, "exit_group", 0, false, "", "2"},
		{0, "vfork", 17463, true, "", "strace: Process 17463 attached\n"},
		{0, "getpid", 1, true, "", ""},
	}
	if len(calls) != len(want) {
		t.Fatalf("got %d calls %v, want %d", len(calls), calls, len(want))
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d:\ngot  %v\nwant %v", i, calls[i], want[i])
		}
	}
	// Skipped: "foo(x" (program output), "program noise", the abandoned
	// "write(1, "x\n", 2x" and ") = 2".
	if st.Skipped != 4 || st.Exits != 1 {
		t.Errorf("stats %+v, want 4 skipped, 1 exit", st)
	}
}

func TestStraceSignalsExits(t *testing.T) {
	log := `100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101} ---
[pid   101] +++ exited with 0 +++
100 --- stopped by SIGSTOP ---
100 +++ killed by SIGSEGV (core dumped) +++
`
	calls, st := parseAll(t, log)
	if len(calls) != 0 || st.Signals != 2 || st.Exits != 2 || st.Skipped != 0 || st.Lines != 4 {
		t.Errorf("calls %v, stats %+v", calls, st)
	}
	if st.Bytes != int64(len(log)) {
		t.Errorf("Bytes %d, want %d", st.Bytes, len(log))
	}
}

func TestStraceResumed(t *testing.T) {
	log := `100 read(3,  <unfinished ...>
101 futex(0x7f00, FUTEX_WAIT_PRIVATE, 2, NULL <unfinished ...>
102 getpid() = 102
100 <... read resumed>"abc", 1024) = 3
101 <... futex resumed>)              = 0
103 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 104
105 nanosleep({tv_sec=1, tv_nsec=0},  <unfinished ...>
106 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>
106 <... futex resumed>) = ?
107 clock_gettime(CLOCK_MONOTONIC,  <unfinished ...>
107 <... read resumed>"x", 1) = 1
`
	calls, _ := parseAll(t, log)
	want := []got{
		{102, "getpid", 102, true, "", ``},
		{100, "read", 3, true, "", `3, "abc", 1024`},
		{101, "futex", 0, true, "", `0x7f00, FUTEX_WAIT_PRIVATE, 2, NULL`},
		{103, "wait4", 104, true, "", `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL`},
		{106, "futex", 0, false, "", `0x1, FUTEX_WAIT, 0, NULL`},
		// A resumed line that does not match the pending call: the
		// pending one is delivered as never finished, then the orphan.
		{107, "clock_gettime", 0, false, "", `CLOCK_MONOTONIC, `},
		{107, "read", 1, true, "", `"x", 1`},
		// Unfinished at the end of input, in the order they started.
		{105, "nanosleep", 0, false, "", `{tv_sec=1, tv_nsec=0}, `},
	}
	if len(calls) != len(want) {
		t.Fatalf("got %d calls %v, want %d", len(calls), calls, len(want))
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d:\ngot  %v\nwant %v", i, calls[i], want[i])
		}
	}
}

// TestStracePendingBound feeds more never-resumed calls than the parser
// keeps waiting: all are delivered once, in order, as never finished.
func TestStracePendingBound(t *testing.T) {
	const n = maxPendingCalls + 1000
	var buf bytes.Buffer
	for pid := 1; pid <= n; pid++ {
		fmt.Fprintf(&buf, "%d read(3,  <unfinished ...>\n", pid)
	}
	buf.WriteString("5 <... read resumed>\"\", 1) = 0\n") // its call went out at the bound
	var pids []int
	var known int
	st, err := ParseStrace(&buf, func(c *Call) error {
		pids = append(pids, c.PID)
		if c.RetKnown {
			known++
		}
		return nil
	})
	if err != nil || st.Calls != n+1 || known != 1 {
		t.Fatalf("stats %+v, %d returned, err %v", st, known, err)
	}
	// The first maxPendingCalls go out when the next one arrives, the
	// resumed line is an orphan, and the rest go out at the end.
	want := make([]int, 0, n+1)
	for pid := 1; pid <= maxPendingCalls; pid++ {
		want = append(want, pid)
	}
	want = append(want, 5)
	for pid := maxPendingCalls + 1; pid <= n; pid++ {
		want = append(want, pid)
	}
	if !slices.Equal(pids, want) {
		t.Errorf("delivery order differs from the documented one")
	}
}

func TestStraceArg(t *testing.T) {
	line := `connect(3<TCP:[1.2.3.4:5->6.7.8.9:10]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("1.2.3.4")}, 16 /* a, b */, "x,\"y)", [1, 2], 4</a\76,b>) = 0` + "\n"
	want := []string{
		`3<TCP:[1.2.3.4:5->6.7.8.9:10]>`,
		`{sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("1.2.3.4")}`,
		`16 /* a, b */`,
		`"x,\"y)"`,
		`[1, 2]`,
		`4</a\76,b>`,
		``, // absent
	}
	n := 0
	_, err := ParseStrace(strings.NewReader(line), func(c *Call) error {
		n++
		for i, w := range want {
			if a := c.Arg(i); a != w {
				t.Errorf("Arg(%d) = %q, want %q", i, a, w)
			}
		}
		if a := c.Arg(-1); a != "" {
			t.Errorf("Arg(-1) = %q", a)
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("%d calls, err %v", n, err)
	}
	// No arguments at all.
	c := Call{}
	if c.Arg(0) != "" || c.Args() != "" {
		t.Error("empty call has arguments")
	}
}

func TestStraceLongLines(t *testing.T) {
	// The last size makes the write line exactly MaxLineBytes long, newline
	// included: the longest line read whole.
	const frame = len("2 write(1, \"\", 5) = 5\n")
	for _, size := range []int{100, 70 << 10, 300 << 10, MaxLineBytes - frame} {
		s := strings.Repeat("a", size)
		log := "1 getpid() = 1\n" + `2 write(1, "` + s + `", 5) = 5` + "\n3 getpid() = 3\n"
		calls, st := parseAll(t, log)
		if len(calls) != 3 || st.Lines != 3 || st.Bytes != int64(len(log)) || st.Cut != 0 {
			t.Fatalf("size %d: %d calls, stats %+v", size, len(calls), st)
		}
		if len(calls[1].Args) != size+8 || calls[2].PID != 3 {
			t.Errorf("size %d: args length %d, last pid %d", size, len(calls[1].Args), calls[2].PID)
		}
	}
}

// TestStraceLineCut reads lines longer than MaxLineBytes, up to 300 MiB:
// each is one call with its name, return and pid, Args holding the first
// and last bytes of its arguments, and the parser allocates about
// MaxLineBytes for it, not the line's length.
func TestStraceLineCut(t *testing.T) {
	sizes := []int{MaxLineBytes, 5 << 20, 300 << 20}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, size := range sizes {
		var calls []got
		parts := []string{
			"1 getpid() = 1\n2 write(1, \"b",
			"z\", 5) = 5 <0.000010>\n3 read(3,  <unfinished ...>\n3 <... read resumed>\"x",
			"\", 1) = 1\n4 getpid() = 4\n",
		}
		r := io.MultiReader(
			strings.NewReader(parts[0]),
			&repeatReader{b: 'a', n: size},
			strings.NewReader(parts[1]),
			&repeatReader{b: 'c', n: size},
			strings.NewReader(parts[2]),
		)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		st, err := ParseStrace(r, func(c *Call) error {
			a := c.args // not Args(): a copy would count as the parser's
			if len(a) > 40 {
				a = slices.Concat(a[:20], []byte("..."), a[len(a)-20:])
			}
			calls = append(calls, got{c.PID, c.Name, c.Ret, c.RetKnown, c.Errno, string(a)})
			return nil
		})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		want := []got{
			{1, "getpid", 1, true, "", ""},
			{2, "write", 5, true, "", `1, "b` + strings.Repeat("a", 15) + "..." + strings.Repeat("a", 15) + `z", 5`},
			{3, "read", 1, true, "", `3, "x` + strings.Repeat("c", 15) + "..." + strings.Repeat("c", 16) + `", 1`},
			{4, "getpid", 4, true, "", ""},
		}
		if !slices.Equal(calls, want) {
			t.Errorf("size %d: calls\n%v\nwant\n%v", size, calls, want)
		}
		if st.Cut != 2 || st.Lines != 5 || st.Calls != 4 || st.Bytes != int64(2*size+len(strings.Join(parts, ""))) {
			t.Errorf("size %d: stats %+v", size, st)
		}
		// A 4 MiB line buffer, a 128 KiB tail, the reader's 256 KiB, and
		// the join of the resumed call (the first half and a cut line).
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*MaxLineBytes+1<<20 {
			t.Errorf("size %d: parsing allocated %d bytes, want at most %d", size, alloc, 2*MaxLineBytes+1<<20)
		}
	}
}

func TestStraceCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	st, err := ParseStrace(strings.NewReader("getpid() = 1\ngetpid() = 2\ngetpid() = 3\n"), func(*Call) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 || st.Calls != 2 {
		t.Errorf("err %v after %d calls, stats %+v", err, n, st)
	}
}

func TestStraceNoFinalNewline(t *testing.T) {
	calls, st := parseAll(t, "getpid() = 1\ngetppid() = 2")
	if len(calls) != 2 || st.Lines != 2 {
		t.Errorf("calls %v, stats %+v", calls, st)
	}
}

func TestStraceInterning(t *testing.T) {
	var buf bytes.Buffer
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&buf, "%d openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n", i)
	}
	log := buf.Bytes()
	allocs := testing.AllocsPerRun(10, func() {
		ParseStrace(bytes.NewReader(log), func(*Call) error { return nil })
	})
	// The fixed cost of a parse (reader buffer, maps) but nothing per line.
	if allocs > 20 {
		t.Errorf("%v allocations for 100 lines; names and errnos must be interned", allocs)
	}
}

// repeatReader yields n copies of b.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b
	}
	r.n -= len(p)
	return len(p), nil
}

// TestStraceNameBound: a log may hold MaxNames distinct call names; one
// more is a *ParseError on its line, so the name table never grows past
// the bound. Names longer than MaxNameBytes, and program output that only
// starts like a call, are not names at all.
func TestStraceNameBound(t *testing.T) {
	var buf bytes.Buffer
	for i := range MaxNames {
		fmt.Fprintf(&buf, "n%d(%d) = 0\n", i, i)
		fmt.Fprintf(&buf, "junk%d(not a call\n", i) // program output
	}
	buf.WriteString("n5(1) = 0\n" + strings.Repeat("x", MaxNameBytes+1) + "() = 0\n")
	calls, st := parseAll(t, buf.String())
	if len(calls) != MaxNames+1 || st.Skipped != MaxNames+1 {
		t.Fatalf("%d calls, stats %+v; want %d calls, %d skipped", len(calls), st, MaxNames+1, MaxNames+1)
	}
	buf.WriteString("a_new_name(1) = 0\nn7(1) = 0\n")
	n := 0
	_, err := ParseStrace(bytes.NewReader(buf.Bytes()), func(*Call) error { n++; return nil })
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2*MaxNames+3 || pe.Text != "a_new_name" || !strings.Contains(err.Error(), "more than 1024 distinct system-call names") {
		t.Fatalf("err %v, want a *ParseError on line %d naming a_new_name", err, 2*MaxNames+3)
	}
	if n != MaxNames+1 {
		t.Errorf("%d calls before the error, want %d", n, MaxNames+1)
	}
	// The same bound through every path that names a call: unfinished,
	// resumed, and a call line split by program output.
	for _, last := range []string{
		"9 a_new_name(1 <unfinished ...>\n",
		"9 <... a_new_name resumed>) = 0\n",
		"a_new_name(1, \"x\nprogram output\n\") = 0\n",
	} {
		var log bytes.Buffer
		for i := range MaxNames {
			fmt.Fprintf(&log, "n%d() = 0\n", i)
		}
		log.WriteString(last)
		_, err := ParseStrace(&log, func(*Call) error { return nil })
		if !errors.As(err, &pe) || pe.Text != "a_new_name" {
			t.Errorf("%q after %d names: err %v, want a *ParseError naming a_new_name", last, MaxNames, err)
		}
	}
}

// TestStraceNameBoundMemory parses a generated log of a million distinct
// call names: the parser stops at name MaxNames+1 and allocates a bounded
// amount, however long the log.
func TestStraceNameBoundMemory(t *testing.T) {
	gen := func(n int) io.Reader {
		pr, pw := io.Pipe()
		go func() {
			bw := bufio.NewWriter(pw)
			for i := range n {
				fmt.Fprintf(bw, "%d name_%d(%d) = %d\n", i%7, i, i, i)
			}
			bw.Flush()
			pw.Close()
		}()
		return pr
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, err := ParseStrace(gen(1_000_000), func(*Call) error { return nil })
	runtime.ReadMemStats(&after)
	var pe *ParseError
	if !errors.As(err, &pe) || st.Calls != MaxNames {
		t.Fatalf("stats %+v, err %v: want a *ParseError after %d calls", st, err, MaxNames)
	}
	// The generator's own allocations count too: it stops writing soon
	// after the parser stops reading (the pipe blocks).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes for %d names", alloc, MaxNames)
	}
}

// TestStraceErrnoBound: errno names beyond the interned ones are still
// read, but the errno table stops growing.
func TestStraceErrnoBound(t *testing.T) {
	var buf bytes.Buffer
	for i := range 3 * maxErrnos {
		fmt.Fprintf(&buf, "read(3) = -1 EX%d (hostile)\n", i)
	}
	fmt.Fprintf(&buf, "read(3) = -1 E%s (too long)\n", strings.Repeat("X", maxErrnoBytes))
	var errnos []string
	p := newStraceParser(func(c *Call) error { errnos = append(errnos, c.Errno); return nil }, 0)
	if err := p.run(&buf); err != nil {
		t.Fatal(err)
	}
	if len(errnos) != 3*maxErrnos || errnos[3*maxErrnos-1] != fmt.Sprintf("EX%d", 3*maxErrnos-1) || p.st.Skipped != 1 {
		t.Fatalf("%d errnos, last %q, stats %+v", len(errnos), errnos[len(errnos)-1], p.st)
	}
	if len(p.errnos) != maxErrnos {
		t.Errorf("errno table holds %d names, want %d", len(p.errnos), maxErrnos)
	}
}

// TestStracePendingText: unfinished calls with more argument text than
// maxPendingBytes all still pair with their resumed halves (none is counted
// twice); past the bound, a call keeps no text from its first half.
func TestStracePendingText(t *testing.T) {
	const n, size = 200, 200 << 10 // 40 MiB waiting at once
	arg := strings.Repeat("a", size)
	var buf bytes.Buffer
	for pid := 1; pid <= n; pid++ {
		fmt.Fprintf(&buf, "%d write(1, \"%s\",  <unfinished ...>\n", pid, arg)
	}
	for pid := 1; pid <= n; pid++ {
		fmt.Fprintf(&buf, "%d <... write resumed>%d) = %d\n", pid, size, size)
	}
	var whole, bare int
	p := newStraceParser(func(c *Call) error {
		if !c.RetKnown || c.Ret != size {
			t.Fatalf("call %+v not paired", c)
		}
		switch len(c.args) {
		case size + len(`1, "", `) + len(strconv.Itoa(size)):
			whole++
		case len(strconv.Itoa(size)):
			bare++
		default:
			t.Fatalf("args of %d bytes", len(c.args))
		}
		return nil
	}, 0)
	peak := 0
	for line := range bytes.Lines(buf.Bytes()) {
		if err := p.handle(line); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, p.pendingBytes)
	}
	if whole+bare != n || whole == 0 || bare == 0 {
		t.Errorf("%d calls with their whole text, %d without the first half; want %d in all", whole, bare, n)
	}
	if peak > maxPendingBytes {
		t.Errorf("waiting calls held %d bytes, bound %d", peak, maxPendingBytes)
	}
	if p.pendingBytes != 0 || len(p.pending) != 0 {
		t.Errorf("%d calls, %d bytes still waiting", len(p.pending), p.pendingBytes)
	}
}

func TestRetPath(t *testing.T) {
	log := `openat(AT_FDCWD</tmp>, "/etc/shadow", O_RDONLY) = 3</etc/shadow>
openat(AT_FDCWD</tmp>, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
openat(AT_FDCWD</tmp>, "/dev/null", O_RDWR) = 4</dev/null<char 1:3>>
socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 5<TCP:[1234]>
accept(7<TCPv6:[[::1]:37117]>, NULL, NULL) = 9<TCPv6:[[::1]:37117->[::1]:37046]>
memfd_create("x", 0) = 6</memfd:x>(deleted)
openat(AT_FDCWD</tmp>, "a\76b", O_RDONLY) = 7</tmp/a\x3eb>
clone(child_stack=NULL, flags=SIGCHLD) = 30621<sh>
read(3</etc/passwd>, "x", 1) = 1
pipe2([3<pipe:[5]>, 4<pipe:[5]>], 0) = 0
1 openat(AT_FDCWD</>, "/etc/hosts", O_RDONLY <unfinished ...>
1 <... openat resumed>) = 8</etc/hosts>
`
	var got []string
	if _, err := ParseStrace(strings.NewReader(log), func(c *Call) error {
		got = append(got, c.Name+"="+c.RetPath)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"openat=/etc/shadow", "openat=", "openat=/dev/null", "socket=TCP:[1234]",
		"accept=TCPv6:[[::1]:37117->[::1]:37046]", "memfd_create=/memfd:x", "openat=/tmp/a>b", "clone=", "read=", "pipe2=", "openat=/etc/hosts"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("RetPath:\n got %q\nwant %q", got, want)
	}
}

// TestCompat covers both ways strace tells a call made through the i386
// entry point (int $0x80) of a 64-bit program: with -n, the number of the
// i386 call beside its i386 name (open is 5 there, fstat on x86_64), as
// the sandbox records it; without, the "[ Process PID=N runs in 32 bit
// mode. ]" lines strace writes to its stderr. Both captured from a static
// program that calls open and close with int $0x80 (strace 6.1).
func TestCompat(t *testing.T) {
	for _, tc := range []struct{ name, log string }{
		{"-n", `894   [ 257] openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY) = 3</etc/ld.so.cache>
894   [   5] open("/etc/shadow", O_RDONLY) = -1 ENOSYS (Function not implemented)
894   [   6] close(3</etc/ld.so.cache>)      = -1 ENOSYS (Function not implemented)
894   [   5] fstat(3</etc/ld.so.cache>, {st_mode=S_IFREG|0644, st_size=1, ...}) = 0
895   [   5] open("/etc/passwd", O_RDONLY <unfinished ...>
894   [   3] close(3</etc/ld.so.cache>)      = 0
895   [   5] <... open resumed>) = 4</etc/passwd>
894   [ 231] exit_group(0)              = ?
894   [ 231] +++ exited with 0 +++
`},
		{"personality", `[ Process PID=894 runs in 32 bit mode. ]
open("/etc/shadow", O_RDONLY)           = -1 ENOSYS (Function not implemented)
close(3</etc/ld.so.cache>)                   = -1 ENOSYS (Function not implemented)
[ Process PID=894 runs in 64 bit mode. ]
fstat(3</etc/ld.so.cache>, {st_mode=S_IFREG|0644, st_size=1, ...}) = 0
[ Process PID=895 runs in 32 bit mode. ]
open("/etc/passwd", O_RDONLY) = 4</etc/passwd>
[ Process PID=895 runs in 64 bit mode. ]
close(3</etc/ld.so.cache>) = 0
exit_group(0)                           = ?
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			st, err := ParseEvents(strings.NewReader(tc.log), func(e *Event) error {
				if e.Kind != EventCall {
					return nil
				}
				c := e.Call
				if c.Compat {
					got = append(got, c.Name)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"open", "close", "open"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("compat calls %q, want %q", got, want)
			}
			if st.Skipped != 0 {
				t.Errorf("%d lines skipped, want 0", st.Skipped)
			}
		})
	}
}
