package bpftrace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

const helperEnv = "BPFTRACE_TEST_HELPER"

// missingFile is a path the stream helper opens, and fails to.
const missingFile = "/nonexistent/detector-bpftrace-test"

// TestMain lets the test binary act as the helper: getppid makes exactly
// 10,000 getppid calls, says "ready" and waits for stdin to close.
func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "getppid":
		for range 10000 {
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		}
		os.Stdout.WriteString("ready\n")
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	case "listen":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(4)
		}
		f, _ := l.(*net.TCPListener).File()
		syscall.Dup2(int(f.Fd()), 100)
		os.Stdout.WriteString(l.Addr().String() + "\n")
		os.Exit(0)
	case "folder":
		dir, err := syscall.Open("/etc", syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		if err != nil {
			os.Exit(4)
		}
		syscall.Openat(dir, "hostname", syscall.O_RDONLY, 0)
		syscall.Openat(dir, "/etc/hostname", syscall.O_RDONLY, 0)
		var st unix.Stat_t
		unix.Fstatat(dir, "hostname", &st, 0)
		unix.Fstatat(dir, "", &st, unix.AT_EMPTY_PATH)
		os.Exit(0)
	case "resolve":
		resolveHelper(os.Getenv("BPFTRACE_TEST_DIR"))
		os.Exit(0)
	case "opens":
		for _, p := range filterPaths {
			flags := syscall.O_RDONLY
			if p == "/nonexistent/detector-bpftrace-w" {
				flags = syscall.O_WRONLY
			}
			syscall.Open(p, flags, 0)
		}
		os.Exit(0)
	case "opens-listed":
		// The paths of BPFTRACE_TEST_PATHS, one a line, read-only.
		for _, p := range strings.Split(os.Getenv("BPFTRACE_TEST_PATHS"), "\n") {
			syscall.Open(p, syscall.O_RDONLY, 0)
		}
		os.Exit(0)
	case "spawn":
		// The child's pid goes to standard output, so the test can tell
		// its /bin/true from any other on the host.
		child := exec.Command("/bin/true")
		if err := child.Run(); err != nil {
			os.Exit(4)
		}
		fmt.Println(child.Process.Pid)
		for range 100 {
			syscall.RawSyscall(syscall.SYS_PTRACE, 0x4206, 1, 0) // PTRACE_SEIZE of init: refused
		}
		os.Exit(0)
	case "capset":
		// Keep CAP_SYS_ADMIN and CAP_BPF (39, in the high half), then drop
		// everything; then a version 1 header, whose data is one half.
		hdr := [2]uint32{unix.LINUX_CAPABILITY_VERSION_3, 0}
		gain := [6]uint32{1 << 21, 1 << 21, 0, 1 << 7, 1 << 7, 0}
		drop := [6]uint32{}
		syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&gain)), 0)
		syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&drop)), 0)
		v1 := [2]uint32{unix.LINUX_CAPABILITY_VERSION_1, 0}
		syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&v1)), uintptr(unsafe.Pointer(&gain)), 0)
		os.Exit(0)
	case "stream":
		for range 10000 {
			syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		}
		syscall.Open(missingFile, syscall.O_RDONLY, 0)
		os.Exit(5)
	}
	os.Exit(3)
}

// openOrSkip opens a tracer or skips when this host cannot load BPF.
func openOrSkip(t *testing.T, c Config) *Tracer {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: the eBPF tracer needs root (CI runs as root)")
	}
	tr, err := Open(c)
	if errors.Is(err, ebpf.ErrNotSupported) {
		t.Skipf("skipped: kernel lacks BPF support: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// startHelper starts the helper and waits for its "ready"; the returned
// function ends it.
func startHelper(t *testing.T, name string, attr *syscall.SysProcAttr) (*exec.Cmd, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	cmd.SysProcAttr = attr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() { in.Close(); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		stop()
		t.Fatalf("helper: %q, %v", line, err)
	}
	return cmd, stop
}

func TestCountsGetppidExactly(t *testing.T) {
	tr := openOrSkip(t, Config{Mode: All})
	defer tr.Close()
	cmd, stop := startHelper(t, "getppid", nil)
	defer stop()
	c, ok, err := tr.Counts(cmd.Process.Pid)
	if err != nil || !ok {
		t.Fatalf("counts of helper: ok %v, %v", ok, err)
	}
	if got := c.Names["getppid"]; got != 10000 {
		t.Fatalf("getppid counted %d times, want 10000", got)
	}
	var sum uint64
	for _, n := range c.Names {
		sum += n
	}
	if sum != c.Total || c.Total < 10000 {
		t.Fatalf("total %d, sum of names %d", c.Total, sum)
	}
	// The 10,000 getppid calls are adjacent: at most the calls around them
	// are transitions, so transitions are far below the total.
	if c.Transitions == 0 || c.Transitions >= c.Total-9990 {
		t.Fatalf("transitions %d of total %d", c.Transitions, c.Total)
	}
}

// A program that execs another is not forgotten: the counts it made are
// kept, from the exec until read, as an exited process's are.
func TestReplacedCounts(t *testing.T) {
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	var mu sync.Mutex
	var execs []Event
	tr := openOrSkip(t, Config{Mode: All, Events: func(e Event) {
		if e.Kind == Exec {
			mu.Lock()
			execs = append(execs, e)
			mu.Unlock()
		}
	}})
	defer tr.Close()
	cmd := exec.Command(perl, "-e", `syscall(110) for 1..1000; exec "/bin/true"`)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	// The reader polls the ring: wait for the process's two exec events
	// (a hang bound, not a timing assertion).
	var keys []int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		keys = keys[:0]
		for _, e := range execs {
			if e.Pid == cmd.Process.Pid {
				keys = append(keys, e.Execs)
			}
		}
		mu.Unlock()
		if len(keys) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	// Two execs: of perl (replacing the test's forked child), of true.
	if len(keys) != 2 || keys[1] != keys[0]+1 {
		t.Fatalf("the process's exec events say %v", keys)
	}
	c, ok, err := tr.ReplacedCounts(cmd.Process.Pid, keys[1])
	// Its execve calls: the one that started it and the one that replaced it.
	if err != nil || !ok || c.Names["getppid"] != 1000 || c.Names["execve"] != 2 {
		t.Fatalf("counts of the replaced program: getppid %d, execve %d, ok %v, %v; want 1000 and 2", c.Names["getppid"], c.Names["execve"], ok, err)
	}
	if _, ok, _ := tr.ReplacedCounts(cmd.Process.Pid, keys[1]); ok {
		t.Fatal("replaced counts read twice")
	}
	// The first exec replaced the forked child, which never ran perl.
	if c, ok, err := tr.ReplacedCounts(cmd.Process.Pid, keys[0]); err != nil || !ok || c.Names["getppid"] != 0 {
		t.Fatalf("counts of the forked child: %v, ok %v, %v", c.Names, ok, err)
	}
	// What true made after the exec are the exited counts.
	if c, ok, err := tr.ExitedCounts(cmd.Process.Pid); err != nil || !ok || c.Names["getppid"] != 0 || c.Names["execve"] != 1 {
		t.Fatalf("exited counts %v, ok %v, %v: want true's own, from its execve", c.Names, ok, err)
	}
}

func TestPidNamespaceFilter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root")
	}
	// The helper in a new pid namespace; its namespace is known only once
	// it runs, so the tracer is opened for it afterwards and the helper's
	// calls counted are those made after... so instead filter on our own
	// namespace and check a new-namespace helper is not counted.
	dev, ino, err := PidNSOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	tr := openOrSkip(t, Config{Mode: PidNS, NSDev: dev, NSIno: ino})
	defer tr.Close()
	in, stopIn := startHelper(t, "getppid", nil)
	defer stopIn()
	out, stopOut := startHelper(t, "getppid", &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID})
	defer stopOut()
	if c, ok, err := tr.Counts(in.Process.Pid); err != nil || !ok || c.Names["getppid"] != 10000 {
		t.Fatalf("helper in our namespace: %v %v %v", c.Names["getppid"], ok, err)
	}
	if c, ok, err := tr.Counts(out.Process.Pid); err != nil || ok {
		t.Fatalf("helper in another pid namespace was counted: %v %v", c.Total, err)
	}
}

// A process's live entry goes at its exit; its counts are kept for one
// reading.
func TestExitDeletesEntry(t *testing.T) {
	tr := openOrSkip(t, Config{Mode: All})
	defer tr.Close()
	cmd, stop := startHelper(t, "getppid", nil)
	if _, ok, err := tr.Counts(cmd.Process.Pid); err != nil || !ok {
		stop()
		t.Fatalf("helper not counted: %v", err)
	}
	stop()
	if _, ok, err := tr.Counts(cmd.Process.Pid); err != nil || ok {
		t.Fatalf("entry of exited helper remains (ok %v, %v)", ok, err)
	}
	// Its counts wait, whole, for one reading after the exit.
	c, ok, err := tr.ExitedCounts(cmd.Process.Pid)
	if err != nil || !ok || c.Names["getppid"] != 10000 {
		t.Fatalf("exited helper: getppid %d, ok %v, %v; want 10000", c.Names["getppid"], ok, err)
	}
	if _, ok, err := tr.ExitedCounts(cmd.Process.Pid); err != nil || ok {
		t.Fatalf("exited counts read twice (ok %v, %v)", ok, err)
	}
}

func ids(t *testing.T) (progs, maps, links map[uint32]bool) {
	t.Helper()
	progs, maps, links = map[uint32]bool{}, map[uint32]bool{}, map[uint32]bool{}
	for id, err := ebpf.ProgramGetNextID(0); err == nil; id, err = ebpf.ProgramGetNextID(id) {
		progs[uint32(id)] = true
	}
	for id, err := ebpf.MapGetNextID(0); err == nil; id, err = ebpf.MapGetNextID(id) {
		maps[uint32(id)] = true
	}
	it := new(link.Iterator)
	for it.Next() {
		links[uint32(it.ID)] = true
		it.Take().Close()
	}
	return
}

// ownIDs returns the kernel ids of the tracer's programs, maps and links.
func ownIDs(t *testing.T, tr *Tracer) []string {
	t.Helper()
	var ids []string
	add := func(kind string, id uint32, ok bool) {
		if !ok {
			t.Fatalf("no id for a %s of the tracer", kind)
		}
		ids = append(ids, kind+" "+strconv.Itoa(int(id)))
	}
	for _, p := range []*ebpf.Program{tr.objs.SysEnter, tr.objs.SysExit, tr.objs.ProcessFork, tr.objs.ProcessExec, tr.objs.ProcessExit} {
		info, err := p.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, ok := info.ID()
		add("program", uint32(id), ok)
	}
	for _, m := range []*ebpf.Map{tr.objs.Procs, tr.objs.Exited, tr.objs.Events, tr.objs.Cfg, tr.objs.Calls, tr.objs.Full, tr.objs.Lost, tr.objs.Zero} {
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		id, ok := info.ID()
		add("map", uint32(id), ok)
	}
	for _, l := range tr.links {
		info, err := l.Info()
		if err != nil {
			t.Fatal(err)
		}
		add("link", uint32(info.ID), true)
	}
	return ids
}

// TestCloseLeavesNothing: after Close, none of the tracer's programs, maps
// or links is in the kernel (looked up by id, so that other tracers, of
// tests running beside this one, do not count).
func TestCloseLeavesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root")
	}
	tr := openOrSkip(t, Config{Mode: All})
	own := ownIDs(t, tr)
	if len(tr.links) == 0 {
		t.Fatal("the tracer attached no link")
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// The kernel frees programs and maps after an RCU grace period, so
	// their ids may linger briefly: look again until they are gone.
	var left []string
	for try := 0; try < 100; try++ {
		p, m, l := ids(t)
		left = left[:0]
		for _, id := range own {
			kind, n, _ := strings.Cut(id, " ")
			k, _ := strconv.Atoi(n)
			if kind == "program" && p[uint32(k)] || kind == "map" && m[uint32(k)] || kind == "link" && l[uint32(k)] {
				left = append(left, id)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("left after Close: %v", left)
}

func TestForkExecExitEvents(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "/bin/true; exit 7")
	evs, err := traced(t, Config{Mode: All}, cmd)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Fatalf("sh: %v", err)
	}
	sh := cmd.Process.Pid
	var child int
	var shExec, childExec, childExit, shExit bool
	var execd string
	for _, e := range evs {
		switch {
		case e.Kind == Exec && e.Pid == sh && e.Path == "/bin/sh":
			shExec = true
			if sid, _ := unix.Getsid(0); e.Sid != sid {
				t.Errorf("sh's exec tells session %d, want this test's, %d", e.Sid, sid)
			}
		case e.Kind == Fork && e.Pid == sh:
			child = e.Child
		}
	}
	if child == 0 {
		t.Fatalf("no fork event of sh (pid %d)", sh)
	}
	// The file the kernel executed, whatever links /bin/true went through.
	trueFile, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		switch {
		case e.Kind == Exec && e.Pid == child && e.Path == "/bin/true":
			childExec = true
		case e.Kind == Exit && e.Pid == child && e.Code == 0:
			childExit = true
		case e.Kind == Exit && e.Pid == sh && e.Code == 7<<8:
			shExit = true
		}
		if e.Kind == Exec && e.Pid == child {
			execd = e.RetPath
		}
	}
	for _, e := range evs {
		if e.Kind == Exec && e.Pid == sh && !slices.Equal(e.Argv, []string{"/bin/sh", "-c", "/bin/true; exit 7"}) {
			t.Errorf("sh's argv %q", e.Argv)
		}
		if e.Kind == Exec && e.Pid == child && !slices.Equal(e.Argv, []string{"/bin/true"}) {
			t.Errorf("true's argv %q", e.Argv)
		}
	}
	if !shExec || !childExec || !childExit || !shExit || execd != trueFile {
		t.Fatalf("sh exec %v, true exec %v, true exit %v, sh exit 7 %v, true's exec resolved to %q, want %q", shExec, childExec, childExit, shExit, execd, trueFile)
	}
}

func TestTinyRingLosesAndCounts(t *testing.T) {
	tr := openOrSkip(t, Config{Mode: All, RingSize: os.Getpagesize(), Calls: []string{"openat"},
		Events: func(Event) { time.Sleep(time.Millisecond) }})
	defer tr.Close()
	if err := exec.Command("/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do : </dev/null; i=$((i+1)); done").Run(); err != nil {
		t.Fatal(err)
	}
	lost, err := tr.Lost()
	if err != nil {
		t.Fatal(err)
	}
	if lost == 0 {
		t.Fatal("a one-page ring buffer with a slow reader lost no event")
	}
}

// straceCounts runs argv under strace -f -C with stdin from /dev/null and
// returns its summary's per-name call counts.
func straceCounts(t *testing.T, argv ...string) map[string]uint64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command("strace", append([]string{"-f", "-C", "-o", out}, argv...)...)
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("strace: %v", err)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	table := false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], "------") {
			table = !table || len(counts) == 0
			continue
		}
		if !table || len(f) < 5 || f[len(f)-1] == "total" {
			continue
		}
		n, err := strconv.ParseUint(f[3], 10, 64)
		if err != nil {
			continue
		}
		counts[f[len(f)-1]] = n
	}
	if len(counts) == 0 {
		t.Fatalf("no summary in strace output:\n%s", data)
	}
	return counts
}

// TestHistogramEqualsStrace compares the histogram of dash running `read x`
// (deterministic system calls) with strace -f -C's. Ours is read while the
// shell blocks in read, so its exit_group is not yet made; strace's
// exit_group is left out. Calls the forked child makes before its execve
// (Go's or strace's own start-up) are in neither: counts restart at exec.
func TestHistogramEqualsStrace(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("skipped: strace not installed")
	}
	tr := openOrSkip(t, Config{Mode: All})
	defer tr.Close()
	argv := []string{"/bin/sh", "-c", "read x"}
	cmd := exec.Command(argv[0], argv[1:]...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); cmd.Wait() }()
	// Wait until the shell blocks in read (call 0 in /proc/PID/syscall).
	pid := cmd.Process.Pid
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/syscall")
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(b), "0 0x0 ") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	c, ok, err := tr.Counts(pid)
	if err != nil || !ok {
		t.Fatalf("counts of sh: %v %v", ok, err)
	}
	want := straceCounts(t, argv...)
	delete(want, "exit_group")
	if !maps.Equal(c.Names, want) {
		t.Fatalf("ebpf histogram %v\nstrace histogram %v", c.Names, want)
	}
}

// TestStreamEveryCall: in stream mode every call comes as an event with
// its return value: the helper's 10,000 getppid calls, each returning its
// parent's pid; its failed openat with the path and -ENOENT; its
// exit_group with the status and no return. With a ring the size sample
// runs use (StreamRingSize), none is lost even with every core busy;
// should some be, the helper's count of losses must make up for them.
func TestStreamEveryCall(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=stream")
	var drops map[int]uint64
	evs, err := tracedThen(t, Config{Mode: All, Stream: true, Calls: []string{"openat"}, RingSize: StreamRingSize}, cmd, func(tr *Tracer) {
		var err error
		if drops, err = tr.TakeDrops(); err != nil {
			t.Fatal(err)
		}
	})
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
		t.Fatalf("helper: %v", err)
	}
	pid := cmd.Process.Pid
	var getppid, opened, exited int
	for _, e := range evs {
		if e.Pid != pid {
			continue
		}
		switch {
		case e.Kind == Sys && e.Name == "getppid":
			if !e.RetKnown || e.Ret != int64(os.Getpid()) {
				t.Fatalf("getppid event %+v, want return %d", e, os.Getpid())
			}
			getppid++
		case e.Kind == Call && e.Name == "openat" && e.Path == missingFile:
			if !e.RetKnown || e.Ret != -int64(syscall.ENOENT) {
				t.Fatalf("openat event %+v, want -ENOENT", e)
			}
			opened++
		case e.Kind == Sys && e.Name == "exit_group":
			if e.RetKnown || e.Arg0 != 5 {
				t.Fatalf("exit_group event %+v", e)
			}
			exited++
		case e.Kind == Sys && e.Name == "execve":
			t.Fatalf("a successful execve came as a call event: %+v", e)
		}
	}
	if lost := drops[pid]; lost > 0 {
		// The losses are counted per process, of every kind: they must
		// cover the missing getppid events.
		t.Errorf("the helper lost %d events with a ring of %d bytes", lost, StreamRingSize)
		if getppid > 10000 || uint64(getppid)+lost < 10000 {
			t.Fatalf("getppid %d events and %d counted losses: less than 10000", getppid, lost)
		}
		return
	}
	if getppid != 10000 || opened != 1 || exited != 1 {
		t.Fatalf("getppid %d events (want 10000), openat %d (want 1), exit_group %d (want 1), no loss counted", getppid, opened, exited)
	}
}

// traced runs cmd under a tracer of configuration c (Events set here)
// and returns every event the tracer sent and cmd's error.
func traced(t *testing.T, c Config, cmd *exec.Cmd) ([]Event, error) {
	t.Helper()
	return tracedThen(t, c, cmd, nil)
}

// tracedThen is traced, calling then, when set, with the tracer once cmd
// has ended and before the tracer closes.
func tracedThen(t *testing.T, c Config, cmd *exec.Cmd, then func(*Tracer)) ([]Event, error) {
	t.Helper()
	var mu sync.Mutex
	var evs []Event
	c.Events = func(e Event) {
		mu.Lock()
		evs = append(evs, e)
		mu.Unlock()
	}
	tr := openOrSkip(t, c)
	defer tr.Close()
	err := cmd.Run()
	if then != nil {
		then(tr)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return evs, err
}

// helperCalls runs the test helper name with a tracer sending calls, and
// returns the Call events of the helper's process and its output.
func helperCalls(t *testing.T, calls []string, name string) ([]Event, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	var out strings.Builder
	cmd.Stdout = &out
	evs, err := traced(t, Config{Mode: All, Calls: calls}, cmd)
	if err != nil {
		t.Fatalf("helper %s: %v", name, err)
	}
	var own []Event
	for _, e := range evs {
		if e.Pid == cmd.Process.Pid && e.Kind == Call {
			own = append(own, e)
		}
	}
	return own, out.String()
}

// TestDescriptorInfo: the kernel side tells what a call's descriptor is
// as the call is made: the helper's listen and its dup2 of the listening
// socket carry the socket's family, type and local address.
func TestDescriptorInfo(t *testing.T) {
	evs, out := helperCalls(t, []string{"listen", "dup2"}, "listen")
	addr, err := netip.ParseAddrPort(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	var listened, duped bool
	for _, e := range evs {
		fd := e.FD
		ok := fd != nil && fd.Socket && fd.Family == syscall.AF_INET && fd.Type == syscall.SOCK_STREAM && fd.Local == addr && fd.Ino != 0
		switch {
		case e.Name == "listen":
			listened = true
			if !ok {
				t.Errorf("listen's descriptor %+v, want a TCP socket on %v", fd, addr)
			}
		case e.Name == "dup2" && e.Args[1] == 100:
			duped = true
			if !ok {
				t.Errorf("dup2's descriptor %+v, want a TCP socket on %v", fd, addr)
			}
		}
	}
	if !listened || !duped {
		t.Fatalf("listen event %v, dup2 event %v", listened, duped)
	}
}

// An *at call with a relative path carries what its folder descriptor
// is (its inode and file system); with an absolute path, nothing. An fstat
// through newfstatat (an empty path) is no event.
func TestFolderDescriptor(t *testing.T) {
	evs, _ := helperCalls(t, []string{"openat", "newfstatat"}, "folder")
	var st syscall.Stat_t
	if err := syscall.Stat("/etc", &st); err != nil {
		t.Fatal(err)
	}
	var rel, abs, stat bool
	for _, e := range evs {
		if e.Name == "newfstatat" {
			if e.Path == "" {
				t.Errorf("an fstat event: %+v", e)
			}
			stat = stat || e.Path == "hostname" && e.FD != nil && e.FD.Ino == st.Ino
			continue
		}
		switch e.Path {
		case "hostname":
			rel = true
			d := e.FD
			if d == nil || d.Socket || d.Ino != st.Ino || unix.Mkdev(d.Dev>>20, d.Dev&(1<<20-1)) != st.Dev || d.Path != "/etc" {
				t.Errorf("folder descriptor %+v, want /etc: inode %d, device %#x", d, st.Ino, st.Dev)
			}
			// The open's result, and where the kernel resolved it.
			if want, _ := filepath.EvalSymlinks("/etc/hostname"); !e.RetKnown || e.Ret < 0 || e.RetPath != want {
				t.Errorf("openat(/etc, hostname) returned %d (known %v), resolved to %q, want %q", e.Ret, e.RetKnown, e.RetPath, want)
			}
		case "/etc/hostname":
			abs = true
			if e.FD != nil {
				t.Errorf("an absolute path's folder descriptor: %+v", e.FD)
			}
		}
	}
	if !rel || !abs || !stat {
		t.Fatalf("relative openat seen %v, absolute %v, newfstatat of a name in /etc %v", rel, abs, stat)
	}
}

// An exec tells the session the process is in: a program that started a
// session of its own (setsid before exec) leads it.
func TestExecSession(t *testing.T) {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	evs, err := traced(t, Config{Mode: All}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == Exec && e.Pid == cmd.Process.Pid {
			if e.Sid != cmd.Process.Pid {
				t.Errorf("exec tells session %d, want %d (its own)", e.Sid, cmd.Process.Pid)
			}
			return
		}
	}
	t.Fatal("no exec event of the program")
}

// TestEventTimes: events carry the kernel's time of them, on the wall
// clock, in order for one process.
func TestEventTimes(t *testing.T) {
	start := time.Now()
	cmd := exec.Command("/bin/sh", "-c", "/bin/true; sleep 0.2; /bin/true")
	evs, err := traced(t, Config{Mode: All}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	var times []time.Time
	for _, e := range evs {
		if e.Pid == cmd.Process.Pid && e.Kind == Fork {
			times = append(times, time.Unix(0, int64(e.Time)))
		}
	}
	if len(times) < 3 {
		t.Fatalf("%d fork events of sh", len(times))
	}
	slack := 50 * time.Millisecond
	for i, at := range times {
		if at.Before(start.Add(-slack)) || at.After(end.Add(slack)) {
			t.Errorf("fork %d at %v, outside the run %v..%v", i, at, start, end)
		}
	}
	// sleep 0.2 lies between the second and the third fork.
	if d := times[len(times)-1].Sub(times[0]); d < 190*time.Millisecond {
		t.Errorf("first and last forks %v apart, want at least the 0.2 s sleep", d)
	}
}

// filterPaths are the paths the opens helper opens, read-only but for
// the last, against filterInterest.
var filterPaths = []string{
	"/etc/hostname",                    // exact: sent
	"/etc/hostname.x",                  // kept
	"/etc/crontab",                     // under /etc/cron: sent
	"/etc/passwd",                      // kept
	"relative/file",                    // relative: sent
	"/usr/../etc/passwd",               // "/.": sent
	"/home/x/.ssh/id_rsa",              // "/.": sent
	"/nonexistent/detector-bpftrace-w", // a write: sent
}

var filterInterest = &Interest{Prefixes: []string{"/etc/cron"}, Exact: []string{"/etc/hostname"}}

// The kernel's filter sends the read-only opens its prefixes and exact
// paths name, relative paths and those with a "/." component, and every
// write; Interest.Wants, its Go twin, agrees; the opens kept are counted.
func TestInterestFilter(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=opens")
	var filtered uint64
	evs, err := tracedThen(t, Config{Mode: All, Calls: []string{"open", "openat"}, Interest: filterInterest}, cmd, func(tr *Tracer) {
		var err error
		if filtered, err = tr.Filtered(); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	got := map[string]bool{}
	for _, e := range evs {
		if e.Pid == cmd.Process.Pid && e.Kind == Call {
			got[e.Path] = true
		}
	}
	for _, p := range filterPaths {
		want := p == "/nonexistent/detector-bpftrace-w" || filterInterest.Wants(p)
		if got[p] != want {
			t.Errorf("open of %s: sent %v, want %v", p, got[p], want)
		}
	}
	if filtered < 2 {
		t.Errorf("%d opens counted as kept in the kernel, want at least 2", filtered)
	}
}

// With hidden names of interest, the kernel's filter sends a path whose
// hidden name is one of them (or "..", or a name they start), anywhere in
// a path of up to 255 bytes, and keeps other hidden names (".cache") and
// long paths of no interest; a relative path is judged by the file the
// kernel opened (sent when it is a file of interest, or when the open
// failed). Interest.Wants agrees on the absolute paths.
func TestInterestFilterHidden(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, strings.Repeat("d", 60), strings.Repeat("e", 60))
	for _, d := range []string{filepath.Join(dir, ".cache"), filepath.Join(dir, ".ssh"), long} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{".cache/x", ".ssh/id", strings.Repeat("d", 60) + "/" + strings.Repeat("e", 60) + "/f"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	in := &Interest{Prefixes: []string{"/etc/cron"}, Exact: []string{"/etc/hostname"}, Hidden: []string{".ssh", ".msal*"}}
	cases := []struct {
		path string
		sent bool
	}{
		{filepath.Join(dir, ".cache/x"), false},
		{filepath.Join(dir, ".ssh/id"), true},
		{"/nonexistent/.msal_token_cache.json", true},
		{"/nonexistent/.cache/x", false},
		{filepath.Join(long, "f"), false},
		{filepath.Join(long, ".ssh/id_rsa"), true}, // past the 64 bytes a key holds
		{"/usr/../etc/passwd", true},
		{"/etc/passwd", false},
		{"hostname", true},                  // relative, /etc/hostname: a file of interest
		{"passwd", false},                   // relative, of no interest
		{"detector-bpftrace-missing", true}, // relative, failed: user space resolves it
	}
	// The kernel looks for a "/." eight bytes at a time: one at every
	// place in a word, and across two, is seen.
	for pad := range 9 {
		p := "/nonexistent/" + strings.Repeat("p", pad)
		cases = append(cases, struct {
			path string
			sent bool
		}{p + "/.ssh/k", true}, struct {
			path string
			sent bool
		}{p + "/.cache/k", false}, struct {
			path string
			sent bool
		}{p + "/x.ssh/k", false})
	}
	var paths []string
	for _, c := range cases {
		paths = append(paths, c.path)
		if strings.HasPrefix(c.path, "/") && in.Wants(c.path) != c.sent {
			t.Errorf("Wants(%s) = %v, want %v", c.path, !c.sent, c.sent)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = "/etc"
	cmd.Env = append(os.Environ(), helperEnv+"=opens-listed", "BPFTRACE_TEST_PATHS="+strings.Join(paths, "\n"))
	evs, err := tracedThen(t, Config{Mode: All, Calls: []string{"open", "openat"}, Interest: in}, cmd, nil)
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	got := map[string]bool{}
	for _, e := range evs {
		if e.Pid == cmd.Process.Pid && e.Kind == Call {
			got[e.Path] = true
		}
	}
	for _, c := range cases {
		if got[c.path] != c.sent {
			t.Errorf("open of %s: sent %v, want %v", c.path, got[c.path], c.sent)
		}
	}
}

// A file of interest replaced by another (a new inode, as a rewritten
// /etc/shadow is) is known to the kernel's filter by its new inode once
// RefreshInterest has run: a relative open of it is sent.
func TestRefreshInterest(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sent := map[int]bool{}
	tr := openOrSkip(t, Config{Mode: All, Calls: []string{"openat"}, Interest: &Interest{Exact: []string{file}}, Events: func(e Event) {
		if e.Kind == Call && e.Path == "secret" {
			mu.Lock()
			sent[e.Pid] = true
			mu.Unlock()
		}
	}})
	defer tr.Close()
	open := func() int {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), helperEnv+"=opens-listed", "BPFTRACE_TEST_PATHS=secret")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		return cmd.Process.Pid
	}
	before := open()
	if err := os.WriteFile(file+".new", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(file+".new", file); err != nil {
		t.Fatal(err)
	}
	if err := tr.RefreshInterest(); err != nil {
		t.Fatal(err)
	}
	after := open()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !sent[before] || !sent[after] {
		t.Errorf("relative open of a file of interest sent before it was replaced: %v, after, with RefreshInterest: %v; want both", sent[before], sent[after])
	}
}

// A process running the executable Self names is left out, its children
// too until they exec another program (here /bin/true, which is seen); a
// process that execs it under the marker name is left out with all below
// it. Repeated ptrace requests are folded (Fold): one is sent.
func TestSelfLeftOut(t *testing.T) {
	for _, marker := range []bool{false, true} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		if marker {
			cmd.Args[0] = "detector-test-init"
		}
		cmd.Env = append(os.Environ(), helperEnv+"=spawn")
		var out strings.Builder
		cmd.Stdout = &out
		evs, err := traced(t, Config{Mode: All, Calls: []string{"ptrace"}, Fold: true, Self: &Self{Exe: os.Args[0], Marker: "detector-test-init"}}, cmd)
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
		child, err := strconv.Atoi(strings.TrimSpace(out.String()))
		if err != nil {
			t.Fatalf("helper's child pid %q: %v", out.String(), err)
		}
		// The tracer sees the whole host: only the helper's own /bin/true
		// counts (another test may run one meanwhile).
		var own, trueExec int
		for _, e := range evs {
			if e.Pid == cmd.Process.Pid {
				own++
			}
			if e.Kind == Exec && e.Pid == child && e.Path == "/bin/true" {
				trueExec++
			}
		}
		if own != 0 {
			t.Errorf("marker %v: %d events of the left-out process", marker, own)
		}
		if marker && trueExec != 0 || !marker && trueExec == 0 {
			t.Errorf("marker %v: %d exec events of /bin/true", marker, trueExec)
		}
	}
	// Without Self the helper's 100 ptrace requests come as one.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=spawn")
	var folded uint64
	evs, err := tracedThen(t, Config{Mode: All, Calls: []string{"ptrace"}, Fold: true}, cmd, func(tr *Tracer) {
		folded, _ = tr.Folded()
	})
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	n := 0
	for _, e := range evs {
		if e.Pid == cmd.Process.Pid && e.Kind == Call && e.Name == "ptrace" {
			n++
		}
	}
	if n != 1 || folded < 99 {
		t.Errorf("100 identical ptrace requests: %d sent, %d folded; want 1 and at least 99", n, folded)
	}
}

// A process over its rate limit loses its call events, counted for it
// (TakeDrops) and in Lost; the rare kinds still come.
func TestRateLimit(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=opens")
	var drops map[int]uint64
	var lost uint64
	evs, err := tracedThen(t, Config{Mode: All, Calls: []string{"open", "openat"}, Interest: filterInterest, Rate: 1, Burst: 1}, cmd, func(tr *Tracer) {
		drops, _ = tr.TakeDrops()
		lost, _ = tr.Lost()
	})
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	got := map[string]bool{}
	for _, e := range evs {
		if e.Pid == cmd.Process.Pid && e.Kind == Call {
			got[e.Path] = true
		}
	}
	// The opens the interest names are rare: never held back; of the
	// four others (relative, "/.", "/.", a write) one passes.
	for _, p := range []string{"/etc/hostname", "/etc/crontab"} {
		if !got[p] {
			t.Errorf("open of %s held back by the rate limit", p)
		}
	}
	if n := len(got); n > 3 {
		t.Errorf("%d opens sent with a burst of 1: %v", n, got)
	}
	if drops[cmd.Process.Pid] == 0 || lost < drops[cmd.Process.Pid] {
		t.Errorf("helper's drops %d, lost %d: want some counted", drops[cmd.Process.Pid], lost)
	}
}

// Open refuses a filter or bound it cannot keep, with an error naming it.
func TestOpenRefusesBadFilter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: the eBPF tracer needs root (CI runs as root)")
	}
	many := make([]string, 2000)
	for i := range many {
		many[i] = "/p" + strconv.Itoa(i)
	}
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Interest: &Interest{Prefixes: []string{"etc/"}}}, "not absolute"},
		{Config{Interest: &Interest{Exact: []string{"shadow"}}}, "not absolute"},
		{Config{Interest: &Interest{Prefixes: many}}, "more than the kernel's map holds"},
		{Config{Self: &Self{Exe: "/proc/self/exe", Marker: strings.Repeat("x", 40)}}, "marker"},
		{Config{Self: &Self{Exe: "/nonexistent/detector"}}, "stat own executable"},
		{Config{Rate: 5}, "burst"},
		{Config{Rate: -1, Burst: 1}, "rate"},
		{Config{Env: []string{"LD_PRELOAD", "A=B"}}, "environment variable name"},
		{Config{Env: []string{""}}, "environment variable name"},
		{Config{Env: []string{strings.Repeat("X", 32)}}, "environment variable name"},
		{Config{Env: many[:65]}, "environment variables of interest"},
	} {
		tr, err := Open(c.cfg)
		if err == nil {
			tr.Close()
			t.Errorf("%+v: opened", c.cfg)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
