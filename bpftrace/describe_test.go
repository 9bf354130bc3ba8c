package bpftrace

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// capset carries its header and sets as the caller wrote them: both
// halves of a version 3 call (CAP_BPF is bit 39), the low one of a version
// 1 call, so that a drop to empty sets is told from a gain.
func TestCapsetSets(t *testing.T) {
	evs, _ := helperCalls(t, []string{"capset"}, "capset")
	var got []CapData
	for _, e := range evs {
		if e.Name != "capset" {
			continue
		}
		if e.Cap == nil {
			t.Fatalf("capset without its header: %+v", e)
		}
		got = append(got, *e.Cap)
	}
	gain := uint64(1)<<21 | uint64(1)<<39
	want := []CapData{
		{Version: 0x20080522, Sets: true, Effective: gain, Permitted: gain},
		{Version: 0x20080522, Sets: true},
		{Version: 0x19980330, Sets: true, Effective: 1 << 21, Permitted: 1 << 21},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("capset events %+v, want %+v", got, want)
	}
}

// An exec carries the new program's variables that Config.Env names, in
// their order, read from its stack: past a large variable and hundreds of
// others, a value longer than a variable's room cut (and marked so), a
// name that only starts like one of interest left out.
func TestExecEnvironment(t *testing.T) {
	env := []string{"PAD=" + strings.Repeat("x", 20000), "LD_PRELOAD=/tmp/x.so"}
	for i := range 300 {
		env = append(env, "V"+strconv.Itoa(i)+"=1")
	}
	long := "LD_LIBRARY_PATH=/usr/lib:" + strings.Repeat("a", 300)
	env = append(env, "HISTFILEX=1", long, "HISTFILE=/dev/null", "HISTSIZE=0")
	cmd := exec.Command("/bin/true")
	cmd.Env = env
	evs, err := traced(t, Config{Mode: All}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind != Exec || e.Pid != cmd.Process.Pid {
			continue
		}
		want := []string{"LD_PRELOAD=/tmp/x.so", long[:255], "HISTFILE=/dev/null", "HISTSIZE=0"}
		if !slices.Equal(e.Env, want) || e.EnvCount != len(env) || e.EnvCut != 1<<1 || e.EnvMore {
			t.Fatalf("exec environment %q (%d of %d variables, cut %b, more %v), want %q (%d variables, the second cut)",
				e.Env, len(e.Env), e.EnvCount, e.EnvCut, e.EnvMore, want, len(env))
		}
		return
	}
	t.Fatal("no exec event of the program")
}

// With no variables of interest (an empty Config.Env), an exec carries
// none, only their count.
func TestExecEnvironmentNone(t *testing.T) {
	cmd := exec.Command("/bin/true")
	cmd.Env = []string{"LD_PRELOAD=/tmp/x.so", "HOME=/"}
	evs, err := traced(t, Config{Mode: All, Env: []string{}}, cmd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == Exec && e.Pid == cmd.Process.Pid {
			if len(e.Env) != 0 || e.EnvCount != 2 {
				t.Fatalf("exec environment %q of %d variables, want none of 2", e.Env, e.EnvCount)
			}
			return
		}
	}
	t.Fatal("no exec event of the program")
}

// A failed exec carries its first four arguments, read from the caller's
// memory (the program did not change), and says there were more.
func TestFailedExecArgv(t *testing.T) {
	file := ownFile(t) // not executable: the exec fails with EACCES
	cmd := exec.Command(file)
	cmd.Args = []string{"[kworker/0:1]", "-a", "b", "c", "d"}
	evs, _ := traced(t, Config{Mode: All, Calls: []string{"execve"}}, cmd)
	for _, e := range evs {
		if e.Kind != Call || e.Name != "execve" || e.Path != file {
			continue
		}
		want := []string{"[kworker/0:1]", "-a", "b", "c"}
		if !slices.Equal(e.Argv, want) || !e.ArgvCut || e.Ret != -int64(syscall.EACCES) {
			t.Fatalf("failed exec: argv %q (cut %v), result %d; want %q cut, EACCES", e.Argv, e.ArgvCut, e.Ret, want)
		}
		return
	}
	t.Fatalf("no failed execve of %s", file)
}

// FuzzDecodeDescriptions: whatever bytes the kernel side hands over for
// capset's sets, a failed exec's arguments or an exec's environment (read
// from a process's memory), decoding never panics, keeps within the
// buffers and gives no more than the counts say. Seeded with what the
// kernel side sent for the helpers of the tests above.
func FuzzDecodeDescriptions(f *testing.F) {
	f.Add([]byte("\x22\x05\x08\x20\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00\x20\x00\x00\x00\x00\x00\x80\x00\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00"), uint32(32), uint32(2))
	f.Add([]byte("[kworker/0:1]\x00-a\x00b\x00c\x00"), uint32(21), uint32(4|1<<31))
	f.Add([]byte("LD_PRELOAD=/tmp/x.so\x00HISTFILE=/dev/null\x00HISTSIZE=0\x00"), uint32(51), uint32(3))
	f.Add([]byte{}, uint32(1000), uint32(0xffffffff))
	f.Fuzz(func(t *testing.T, b []byte, n, count uint32) {
		var raw [256]int8
		for i := range min(len(b), len(raw)) {
			raw[i] = int8(b[i])
		}
		if c := capData(raw[:min(int(n), len(raw))]); c != nil && !c.Sets && (c.Effective|c.Permitted|c.Inheritable) != 0 {
			t.Fatalf("sets without Sets: %+v", c)
		}
		argv, _ := failedArgv(raw[:], n, count)
		if len(argv) > int(count&0xff) {
			t.Fatalf("%d arguments, the count says %d", len(argv), count&0xff)
		}
		var x rawExec
		copy(x.Env[:], b)
		x.EnvLen, x.EnvN, x.Envc, x.EnvCut = n, count, count, count
		copy(x.Argv[:], b)
		x.ArgvLen = n
		ev := execEvent(&x)
		if len(ev.Env) > int(count) || len(ev.Env) > envLen {
			t.Fatalf("%d variables, the count says %d", len(ev.Env), count)
		}
	})
}

// An i386 program's environment is read too: its stack holds 4-byte
// pointers.
func TestExecEnvironmentI386(t *testing.T) {
	dir := t.TempDir()
	obj, bin := filepath.Join(dir, "exit32.o"), filepath.Join(dir, "exit32")
	if out, err := exec.Command("as", "--32", "-o", obj, filepath.Join("testdata", "exit32.s")).CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot assemble an i386 program (as --32, from binutils): %v %s", err, out)
	}
	if out, err := exec.Command("ld", "-m", "elf_i386", "-o", bin, obj).CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot link an i386 program (ld -m elf_i386): %v %s", err, out)
	}
	cmd := exec.Command(bin, "a")
	cmd.Env = []string{"HOME=/", "LD_PRELOAD=/tmp/x.so", "PATH=/bin"}
	evs, err := traced(t, Config{Mode: All}, cmd)
	if err != nil {
		t.Skipf("skipped: the i386 program does not run here (no IA32 emulation?): %v", err)
	}
	for _, e := range evs {
		if e.Kind == Exec && e.Pid == cmd.Process.Pid {
			if !slices.Equal(e.Env, []string{"LD_PRELOAD=/tmp/x.so", "PATH=/bin"}) || e.EnvCount != 3 || e.EnvMore {
				t.Fatalf("i386 exec environment %q of %d variables (more %v), want LD_PRELOAD and PATH of 3", e.Env, e.EnvCount, e.EnvMore)
			}
			return
		}
	}
	t.Fatal("no exec event of the i386 program")
}
