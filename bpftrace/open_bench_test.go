package bpftrace

import "testing"

// BenchmarkOpen measures loading, attaching and closing the tracer.
func BenchmarkOpen(b *testing.B) {
	for b.Loop() {
		tr, err := Open(Config{Calls: []string{}})
		if err != nil {
			b.Skip(err)
		}
		tr.Close()
	}
}
