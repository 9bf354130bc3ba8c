package bpftrace

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
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
