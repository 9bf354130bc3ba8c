package trace_test

import (
	"bytes"
	"fmt"
	"testing"

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
