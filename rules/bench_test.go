package rules_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"detector/rules"
	"detector/trace"
)

// BenchmarkRecordedTraces compares, on the recorded fixture traces (real
// strace -f -yy -ttt -s 256 -v output), parsing for the call names only
// with parsing into the default rules engine, side by side.
func BenchmarkRecordedTraces(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "traces", "*", "*.trace.gz"))
	if len(files) == 0 {
		b.Skip("no recorded traces")
	}
	var logs [][]byte
	var total int64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		log, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		logs = append(logs, log)
		total += int64(len(log))
	}
	set, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("calls", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			for _, log := range logs {
				var n int
				if _, err := trace.ParseStrace(bytes.NewReader(log), func(c *trace.Call) error { n += len(c.Name); return nil }); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("rules", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			for _, log := range logs {
				e := set.NewEngine(rules.Options{})
				if _, err := trace.ParseEvents(bytes.NewReader(log), e.Event); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
