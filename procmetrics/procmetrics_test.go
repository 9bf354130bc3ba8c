package procmetrics

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// Two polls describe a busy process: CPU share, threads, descriptors, a
// listener, and its age; every row has one value per name.
func TestPoll(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	perl, err := exec.LookPath("perl")
	if err != nil {
		t.Skip("perl is not installed")
	}
	cmd := exec.Command(perl, "-MSocket", "-e", `socket(S,PF_INET,SOCK_STREAM,0) or die; bind(S,pack_sockaddr_in(0,inet_aton("127.0.0.1"))) or die; listen(S,1) or die; my $t=time; while (time-$t < 3) {}`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	s, err := NewSampler("", Lists{Shells: []string{"sh", "bash"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if rows, err := s.Poll(); err != nil || len(rows) != 0 {
		t.Fatalf("first poll: %d rows, %v; want none", len(rows), err)
	}
	time.Sleep(700 * time.Millisecond)
	rows, err := s.Poll()
	if err != nil {
		t.Fatal(err)
	}
	var row *Row
	for i := range rows {
		if len(rows[i].Values) != len(Names) {
			t.Fatalf("row of %d values for %d names", len(rows[i].Values), len(Names))
		}
		if rows[i].PID == cmd.Process.Pid {
			row = &rows[i]
		}
	}
	if row == nil {
		t.Fatalf("no row for the busy process among %d", len(rows))
	}
	v := func(name string) float64 {
		for i, n := range Names {
			if n == name {
				return row.Values[i]
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	if v("cpu_share") < 0.3 || v("sockets_listen") != 1 || v("threads") < 1 || v("fds") < 3 || v("age_s") < 0.5 || v("rss_mib") <= 0 {
		t.Errorf("metrics of a busy listener: %v", row.Values)
	}
}
