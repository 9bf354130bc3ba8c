package bpftrace

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// buildC compiles testdata/name.c with cc and flags into a temporary
// folder; without cc the test skips.
func buildC(t *testing.T, name string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skipf("skipped: no C compiler (cc) to build the %s helper: apt-get install gcc", name)
	}
	out := filepath.Join(t.TempDir(), name)
	args := append(append([]string{"-O1", "-o", out}, flags...), filepath.Join("testdata", name+".c"))
	if b, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		t.Fatalf("cc %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// ownFile makes a file of the test's own to open, and returns its path
// as the kernel resolves it.
func ownFile(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "secret")
	if err := os.WriteFile(p, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tracedCounts is traced, with the counts the kernel kept of cmd's
// process when it exited.
func tracedCounts(t *testing.T, c Config, cmd *exec.Cmd) ([]Event, Counts, error) {
	t.Helper()
	var mu sync.Mutex
	var evs []Event
	var counts Counts
	var tr *Tracer
	ready := make(chan struct{})
	c.Events = func(e Event) {
		<-ready
		mu.Lock()
		defer mu.Unlock()
		evs = append(evs, e)
		if e.Kind == Exit && cmd.Process != nil && e.Pid == cmd.Process.Pid {
			if k, ok, err := tr.ExitedCounts(e.Pid); err == nil && ok {
				counts = k
			}
		}
	}
	tr = openOrSkip(t, c)
	close(ready)
	err := cmd.Run()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return evs, counts, err
}

// An i386 call made through int $0x80 by a 64-bit program is sent under
// its i386 name (open, not fstat, whose x86_64 number it shares), as it
// returns, with the path the kernel resolved, and counted apart.
func TestCompatCalls(t *testing.T) {
	bin := buildC(t, "compat", "-static", "-no-pie")
	file := ownFile(t)
	cmd := exec.Command(bin, file)
	evs, counts, err := tracedCounts(t, Config{Mode: All, Calls: []string{"open", "openat"}}, cmd)
	if err != nil {
		t.Fatalf("compat helper: %v", err)
	}
	var seen bool
	for _, e := range evs {
		if e.Pid != cmd.Process.Pid || e.Kind != Call {
			continue
		}
		if e.Name == "open" && e.Compat && e.Path == file {
			seen = true
			if !e.RetKnown || e.Ret < 0 || e.RetPath != file {
				t.Errorf("i386 open: %+v, want a descriptor of %s", e, file)
			}
		}
	}
	if !seen {
		t.Fatalf("no i386 open event of %s", file)
	}
	if counts.Compat != 3 || counts.Names["open"] != 1 || counts.Names["read"] < 1 || counts.Names["close"] < 1 {
		t.Errorf("counts %+v: want 3 i386 calls, open once, read and close", counts)
	}
}

// io_uring operations are sent as they are submitted: the open with its
// path, the read with what its descriptor is; the open again as it
// completes, with where the kernel resolved its descriptor.
func TestUringOperations(t *testing.T) {
	bin := buildC(t, "uring")
	file := ownFile(t)
	cmd := exec.Command(bin, file)
	evs, err := traced(t, Config{Mode: All, Calls: []string{UringCall}}, cmd)
	if err != nil {
		t.Fatalf("uring helper: %v", err)
	}
	var opened, resolved, read bool
	for _, e := range evs {
		if e.Pid != cmd.Process.Pid || e.Kind != Uring {
			continue
		}
		switch Op(e.Args[0]) {
		case "IORING_OP_OPENAT":
			if e.RetKnown {
				// Its completion: the descriptor, and where the kernel
				// resolved it.
				resolved = e.Ret >= 0 && e.RetPath == file
				continue
			}
			opened = e.Path == file && int32(e.Args[1]) == unix.AT_FDCWD
		case "IORING_OP_READ":
			read = e.FD != nil && e.FD.Path == file
		}
	}
	if !opened || !read {
		t.Fatalf("IORING_OP_OPENAT of %s seen %v, IORING_OP_READ of it %v; events: %+v", file, opened, read, evs)
	}
	if !resolved {
		t.Errorf("no completion of IORING_OP_OPENAT resolved to %s; events: %+v", file, evs)
	}
}

// resolveHelper opens the file dir/secret in every way issue readers
// try (see TestResolvedPaths).
func resolveHelper(dir string) {
	secret := filepath.Join(dir, "secret")
	os.Symlink(secret, filepath.Join(dir, "notes"))
	os.Symlink(dir, filepath.Join(dir, "folder"))
	p, _ := unix.BytePtrFromString(secret)
	syscall.Syscall(syscall.SYS_OPEN, uintptr(unsafe.Pointer(p)), syscall.O_RDONLY, 0)
	unix.Openat(unix.AT_FDCWD, filepath.Join(dir, "notes"), unix.O_RDONLY, 0)
	unix.Openat2(unix.AT_FDCWD, secret, &unix.OpenHow{Flags: unix.O_RDONLY})
	if q, err := unix.BytePtrFromString(filepath.Join(dir, "folder", "new")); err == nil {
		syscall.Syscall(syscall.SYS_CREAT, uintptr(unsafe.Pointer(q)), 0o644, 0)
	}
	unix.Openat(unix.AT_FDCWD, "/proc/self/root"+secret, unix.O_RDONLY, 0)
	unix.Chdir(dir)
	unix.Openat(unix.AT_FDCWD, "secret", unix.O_RDONLY, 0)
	// A script without #!: the exec fails (the shell would run it).
	os.WriteFile(filepath.Join(dir, "script"), []byte("echo hi\n"), 0o755)
	unix.Exec(filepath.Join(dir, "script"), []string{"script"}, nil)
	// UDP to port 4444 on loopback.
	if c, err := net.Dial("udp", "127.0.0.1:4444"); err == nil {
		f, _ := c.(*net.UDPConn).File()
		unix.Sendto(int(f.Fd()), []byte("x"), 0, &unix.SockaddrInet4{Port: 4444, Addr: [4]byte{127, 0, 0, 1}})
	}
	// A background job's input: /dev/null duplicated onto 0.
	if n, err := unix.Open("/dev/null", unix.O_RDONLY, 0); err == nil {
		syscall.Syscall(syscall.SYS_DUP2, uintptr(n), 0, 0)
	}
}

// Each way of naming a file reaches the path the kernel resolved: open,
// a symlink the program made, openat2, creat through a symlinked folder,
// /proc/self/root, a relative path after chdir. A failed exec is sent
// with its error; a UDP sendto with its address; a dup2 with what its
// descriptor is at that moment.
func TestResolvedPaths(t *testing.T) {
	file := ownFile(t)
	dir := filepath.Dir(file)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=resolve", "BPFTRACE_TEST_DIR="+dir)
	evs, err := traced(t, Config{Mode: All, Calls: []string{"open", "openat", "openat2", "creat", "execve", "sendto", "dup2"}}, cmd)
	if err != nil {
		t.Fatalf("resolve helper: %v", err)
	}
	want := map[string]bool{
		"open " + file: false, "openat " + dir + "/notes": false, "openat2 " + file: false,
		"creat " + dir + "/folder/new": false, "openat /proc/self/root" + file: false, "openat secret": false,
	}
	var execFailed, sent, duped bool
	for _, e := range evs {
		if e.Pid != cmd.Process.Pid || e.Kind != Call {
			continue
		}
		k := e.Name + " " + e.Path
		if _, ok := want[k]; ok {
			w := file
			if e.Name == "creat" {
				w = dir + "/new"
			}
			if !e.RetKnown || e.Ret < 0 || e.RetPath != w {
				t.Errorf("%s: returned %d, resolved to %q, want %q", k, e.Ret, e.RetPath, w)
			}
			want[k] = true
		}
		switch {
		case e.Name == "execve" && e.Path == dir+"/script":
			execFailed = e.RetKnown && e.Ret == -int64(unix.ENOEXEC)
		case e.Name == "sendto":
			sent = len(e.Addr) >= 4 && e.Addr[2] == 4444>>8 && e.Addr[3] == 4444&0xff && e.FD != nil && e.FD.Socket && e.FD.Type == unix.SOCK_DGRAM
		case e.Name == "dup2" && e.Args[1] == 0:
			duped = e.FD != nil && e.FD.Path == "/dev/null"
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("no event %s", k)
		}
	}
	if !execFailed || !sent || !duped {
		t.Errorf("failed exec seen %v, UDP sendto to port 4444 %v, dup2 of /dev/null %v", execFailed, sent, duped)
	}
}

// The tracer attaches where this kernel lets it; Probe says what loads.
func TestProbe(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: probing BPF needs root (CI runs as root)")
	}
	p := Probe()
	if p.RawTracepoint != nil {
		t.Skipf("skipped: raw tracepoints do not load here: %v", p.RawTracepoint)
	}
	t.Logf("%s", p)
	tr := openOrSkip(t, Config{Mode: All, Calls: []string{UringCall}})
	defer tr.Close()
	if h := tr.Hooks(); !h.RawTracepoints || h.IOUring != (p.IOUring == nil) || h.BTF != (p.BTFRawTracepoint == nil) {
		t.Errorf("hooks %+v, probe %s", h, p)
	}
}

// A call that seccomp refuses never reaches the entry tracepoint, but
// reaches the exit one with its error: an i386 call refused so (as
// detector's sandbox refuses them all) is counted and described there,
// whether Calls names it (open) or not (getpid).
func TestCompatRefused(t *testing.T) {
	bin := buildC(t, "compat", "-static", "-no-pie")
	file := ownFile(t)
	cmd := exec.Command(bin, file, "refuse")
	evs, counts, err := tracedCounts(t, Config{Mode: All, Calls: []string{"open"}}, cmd)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("compat helper: %v, want exit status 1 (its open refused)", err)
	}
	var open, getpid bool
	for _, e := range evs {
		if e.Pid != cmd.Process.Pid || e.Kind != Call || !e.Compat {
			continue
		}
		refused := e.RetKnown && e.Ret == -int64(unix.ENOSYS)
		switch e.Name {
		case "open":
			open = refused && e.Path == file
		case "getpid":
			getpid = refused
		}
	}
	if !open || !getpid {
		t.Errorf("refused i386 open of %s described %v, getpid %v; events %+v", file, open, getpid, evs)
	}
	if counts.Compat != 2 || counts.Names["open"] != 1 || counts.Names["getpid"] < 1 {
		t.Errorf("counts %+v: want the 2 refused i386 calls, open and getpid", counts)
	}
}

// Where the kernel takes BPF raw tracepoints (tp_btf), the call hooks are
// those (Hooks.BTF); where it does not, the raw tracepoint ones count and
// describe the same: a helper's 10,000 getppid calls exactly, an i386
// call under its name, each way.
func TestCallHooksEitherWay(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "btf", true: "raw"}[raw], func(t *testing.T) {
			if !raw && tpBTF() != nil {
				t.Skipf("skipped: this kernel takes no BPF raw tracepoints: %v", tpBTF())
			}
			rawOnly = raw
			defer func() { rawOnly = false }()
			tr := openOrSkip(t, Config{Mode: All})
			if h := tr.Hooks(); h.BTF == raw {
				t.Errorf("Hooks().BTF = %v with raw tracepoints only %v", h.BTF, raw)
			}
			cmd, stop := startHelper(t, "getppid", nil)
			c, ok, err := tr.Counts(cmd.Process.Pid)
			stop()
			tr.Close()
			if err != nil || !ok || c.Names["getppid"] != 10000 {
				t.Errorf("getppid counted %d times (ok %v, %v), want 10000", c.Names["getppid"], ok, err)
			}
			bin := buildC(t, "compat", "-static", "-no-pie")
			compat := exec.Command(bin, ownFile(t))
			evs, counts, err := tracedCounts(t, Config{Mode: All, Calls: []string{"open"}}, compat)
			if err != nil {
				t.Fatalf("compat helper: %v", err)
			}
			seen := false
			for _, e := range evs {
				seen = seen || e.Pid == compat.Process.Pid && e.Kind == Call && e.Name == "open" && e.Compat
			}
			if !seen || counts.Compat != 3 {
				t.Errorf("i386 open sent %v, %d i386 calls counted; want it sent and 3", seen, counts.Compat)
			}
		})
	}
}
