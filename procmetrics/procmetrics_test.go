package procmetrics

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Two polls describe a busy process: CPU share, threads, descriptors, a
// listener, and its age; every row has one value per name. The busy
// process's share is checked against the CPU time /proc says it used
// around and between the polls, so the check holds however busy the
// machine is; an idle process beside it is checked the same way.
func TestPoll(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("sleep is not installed")
	}
	// The busy process says when it listens, then spins until killed.
	cmd := exec.Command(perl, "-MSocket", "-e", `socket(S,PF_INET,SOCK_STREAM,0) or die; bind(S,pack_sockaddr_in(0,inet_aton("127.0.0.1"))) or die; listen(S,1) or die; $|=1; print "listening\n"; 1 while 1`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	idle := exec.Command(sleep, "600")
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { idle.Process.Kill(); idle.Wait() }()
	if l, err := bufio.NewReader(out).ReadString('\n'); err != nil || l != "listening\n" {
		t.Fatalf("busy process: %q, %v", l, err)
	}
	s, err := NewSampler("", Lists{Shells: []string{"sh", "bash"}})
	if err != nil {
		t.Fatal(err)
	}
	// cpu reads a process's CPU time, in seconds, as the sampler does.
	cpu := func(pid int) float64 {
		t.Helper()
		p, err := s.fs.Proc(pid)
		if err != nil {
			t.Fatal(err)
		}
		st, err := p.Stat()
		if err != nil {
			t.Fatal(err)
		}
		return float64(st.UTime+st.STime) / s.tick
	}
	// The idle process has become sleep and sleeps.
	waitFor(t, "the idle process to sleep", func() bool {
		p, err := s.fs.Proc(idle.Process.Pid)
		if err != nil {
			return false
		}
		st, err := p.Stat()
		return err == nil && st.State == "S" && st.Comm == "sleep"
	})
	pids := []int{cmd.Process.Pid, idle.Process.Pid}
	var before, between0, between1, after [2]float64
	for i, pid := range pids {
		before[i] = cpu(pid)
	}
	t0 := time.Now()
	if rows, err := s.Poll(); err != nil || len(rows) != 0 {
		t.Fatalf("first poll: %d rows, %v; want none", len(rows), err)
	}
	t1 := time.Now()
	for i, pid := range pids {
		between0[i] = cpu(pid)
	}
	// Half a second of CPU, however long the machine takes to give it.
	waitFor(t, "the busy process to use 0.5 s of CPU", func() bool { return cpu(cmd.Process.Pid)-between0[0] >= 0.5 })
	for i, pid := range pids {
		between1[i] = cpu(pid)
	}
	t2 := time.Now()
	rows, err := s.Poll()
	if err != nil {
		t.Fatal(err)
	}
	t3 := time.Now()
	for i, pid := range pids {
		after[i] = cpu(pid)
	}
	found := [2][]float64{}
	for _, r := range rows {
		if len(r.Values) != len(Names) {
			t.Fatalf("row of %d values for %d names", len(r.Values), len(Names))
		}
		for i, pid := range pids {
			if r.PID == pid {
				found[i] = r.Values
			}
		}
	}
	for i, name := range []string{"busy", "idle"} {
		if found[i] == nil {
			t.Fatalf("no row for the %s process among %d", name, len(rows))
		}
		// The polls read the process's CPU time between before and
		// between0, and between between1 and after; their clocks were
		// read between t0 and t1, and between t2 and t3.
		lo := (between1[i] - between0[i]) / t3.Sub(t0).Seconds()
		hi := (after[i] - before[i]) / t2.Sub(t1).Seconds()
		if share := found[i][0]; share < lo-1e-9 || share > hi+1e-9 {
			t.Errorf("%s process: cpu_share %v, want between %v and %v", name, share, lo, hi)
		}
	}
	v := func(name string) float64 {
		for i, n := range Names {
			if n == name {
				return found[0][i]
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	// Half a second of CPU is at least half a second of age.
	if v("cpu_share") <= 0 || v("sockets_listen") != 1 || v("threads") < 1 || v("fds") < 3 || v("age_s") < 0.5 || v("rss_mib") <= 0 {
		t.Errorf("metrics of a busy listener: %v", found[0])
	}
	if found[1][0] >= found[0][0] {
		t.Errorf("the idle process's cpu_share %v is not below the busy one's %v", found[1][0], found[0][0])
	}
}

// waitFor polls cond until it holds; the deadline only catches a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 2 minutes for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
