package monitor

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"detector/bpftrace"
	"detector/rules"
)

// BenchmarkHookTime tells where the monitor's cost to a busy workload
// goes in the kernel: the tracer loaded as the monitor loads it (the
// default rules' calls and filter of opens, the rate limit), its events
// read and dropped, while find /usr/share -type f | head -30000 | xargs
// cat runs. Metrics, per run of the workload: the time each hook's
// program ran (the kernel's BPF statistics; on every process of the host,
// the workload's being most of them), its runs, and its time per run; and
// the events that crossed to user space. The workload's wall time is in
// ns/op, for comparison with BenchmarkMonitorCost's untraced side.
func BenchmarkHookTime(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("skipped: the eBPF tracer needs root")
	}
	set, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	stats, err := bpftrace.EnableStats()
	if err != nil {
		b.Skipf("skipped: %v", err)
	}
	defer stats.Close()
	var events atomic.Int64
	tr, err := bpftrace.Open(tracerConfig(Config{Rules: set}, EBPFOptions{RingSize: 8 << 20}, func(bpftrace.Event) { events.Add(1) }))
	if err != nil {
		b.Skipf("skipped: %v", err)
	}
	defer tr.Close()
	work := func() {
		cmd := exec.Command("/bin/sh", "-c", "find /usr/share -type f -print0 2>/dev/null | head -z -n 30000 | xargs -0 cat >/dev/null 2>&1; true")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("workload: %v %s", err, out)
		}
	}
	work() // the page cache holds the files from now on
	before, err := tr.HookTimes()
	if err != nil {
		b.Fatal(err)
	}
	ev0 := events.Load()
	for b.Loop() {
		work()
	}
	// The last events are read within the reader's 100 ms poll.
	time.Sleep(200 * time.Millisecond)
	after, err := tr.HookTimes()
	if err != nil {
		b.Fatal(err)
	}
	n := float64(b.N)
	var total time.Duration
	names := make([]string, 0, len(after))
	for h := range after {
		names = append(names, h)
	}
	slices.Sort(names)
	for _, h := range names {
		d := after[h].Runtime - before[h].Runtime
		runs := after[h].Runs - before[h].Runs
		total += d
		if runs == 0 {
			continue
		}
		b.ReportMetric(d.Seconds()*1000/n, h+"-ms")
		b.ReportMetric(float64(runs)/n, h+"-runs")
		b.ReportMetric(float64(d.Nanoseconds())/float64(runs), h+"-ns/run")
	}
	b.ReportMetric(total.Seconds()*1000/n, "bpf-ms")
	b.ReportMetric(float64(events.Load()-ev0)/n, "events")
	if lost, _ := tr.Lost(); lost > 0 {
		b.Log(fmt.Sprintf("%d events lost", lost))
	}
}
