package trace_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"detector/features"
	"detector/rules"
	"detector/trace"
)

// BenchmarkParseWithRules compares, on the generated logs of
// BenchmarkParseStrace, parsing for the call names only (what the ten
// statistics need) with parsing into the default rules engine, side by
// side in one run.
func BenchmarkParseWithRules(b *testing.B) {
	set, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, mb := range []int{20, 200} {
		var buf bytes.Buffer
		buf.Grow(mb<<20 + 1<<16)
		want := trace.GenLog(&buf, int64(mb)<<20, 1)
		log := buf.Bytes()
		b.Run(fmt.Sprintf("%dMB/calls", mb), func(b *testing.B) {
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			for b.Loop() {
				var n int64
				st, err := trace.ParseStrace(bytes.NewReader(log), func(c *trace.Call) error {
					n += int64(len(c.Name))
					return nil
				})
				if err != nil || st.Calls != want {
					b.Fatalf("calls %d, want %d: %v", st.Calls, want, err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dMB/events", mb), func(b *testing.B) {
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			for b.Loop() {
				st, err := trace.ParseEvents(bytes.NewReader(log), func(*trace.Event) error { return nil })
				if err != nil || st.Calls != want {
					b.Fatalf("calls %d, want %d: %v", st.Calls, want, err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dMB/rules", mb), func(b *testing.B) {
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			var findings int
			for b.Loop() {
				e := set.NewEngine(rules.Options{})
				st, err := trace.ParseEvents(bytes.NewReader(log), e.Event)
				if err != nil || st.Calls != want {
					b.Fatalf("calls %d, want %d: %v", st.Calls, want, err)
				}
				findings = len(e.Findings())
			}
			b.ReportMetric(float64(findings), "findings")
		})
	}
}

// BenchmarkRulesOverhead measures what the behaviour rules cost on the
// 200 MB log of BenchmarkParseStrace, the two sides alternating within
// each op so that a change in the machine's load falls on both alike:
// parsing into the ten statistics alone (the features counter), and
// parsing into the ten statistics and the default rules engine, as
// detect does. The metrics are each side's throughput per CPU second and
// the rules side's speed relative to the statistics side.
func BenchmarkRulesOverhead(b *testing.B) {
	set, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Grow(200<<20 + 1<<16)
	want := trace.GenLog(&buf, 200<<20, 1)
	log := buf.Bytes()
	var tStats, tRules time.Duration
	for b.Loop() {
		start := trace.CPUTime()
		var c1 features.Counter
		st, err := trace.ParseEvents(bytes.NewReader(log), func(e *trace.Event) error {
			if e.Kind == trace.EventCall {
				c1.Add(e.Call.Name)
			}
			return nil
		})
		if err != nil || st.Calls != want {
			b.Fatalf("calls %d, want %d: %v", st.Calls, want, err)
		}
		tStats += trace.CPUTime() - start

		start = trace.CPUTime()
		var c2 features.Counter
		e := set.NewEngine(rules.Options{})
		st, err = trace.ParseEvents(bytes.NewReader(log), func(ev *trace.Event) error {
			if ev.Kind == trace.EventCall {
				c2.Add(ev.Call.Name)
			}
			return e.Event(ev)
		})
		if err != nil || st.Calls != want || len(e.Findings()) == 0 {
			b.Fatalf("calls %d, want %d, %d findings: %v", st.Calls, want, len(e.Findings()), err)
		}
		tRules += trace.CPUTime() - start
	}
	mb := float64(len(log)) / 1e6 * float64(b.N)
	b.ReportMetric(mb/tStats.Seconds(), "stats-MB/s")
	b.ReportMetric(mb/tRules.Seconds(), "rules-MB/s")
	b.ReportMetric(100*tStats.Seconds()/tRules.Seconds(), "rules-speed-%")
}
