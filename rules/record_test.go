package rules_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"detector/sandbox"
)

var record = flag.Bool("record", false, "re-record testdata/traces/*/*.trace.gz from ../fixtures/{benign,suspicious}/*.sh in the sandbox (needs root and strace), then run the golden tests on them")

var recordOnly = flag.String("recordonly", "", "with -record, re-record only the fixtures whose names (without .sh) this comma-separated `list` gives")

// TestRecordFixtures re-records the fixtures' traces; it runs only with
// -record. Every run is in the sandbox, suspicious and benign alike.
func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("pass -record to re-record the fixtures' traces")
	}
	if os.Geteuid() != 0 {
		t.Skip("recording in the sandbox needs root")
	}
	for _, kind := range []string{"benign", "suspicious"} {
		scripts, err := filepath.Glob(filepath.Join("..", "fixtures", kind, "*.sh"))
		if err != nil || len(scripts) == 0 {
			t.Fatalf("no fixtures in ../fixtures/%s: %v", kind, err)
		}
		dir := filepath.Join("testdata", "traces", kind)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range scripts {
			if *recordOnly != "" && !slices.Contains(strings.Split(*recordOnly, ","), strings.TrimSuffix(filepath.Base(s), ".sh")) {
				continue
			}
			var buf bytes.Buffer
			// The runner records with sandbox.TraceOptions (-ttt -yy -v -s 256),
			// the options the rules need.
			res, err := sandbox.Run(context.Background(), sandbox.RunOptions{}, []string{s}, &buf)
			if err != nil {
				t.Fatalf("record %s: %v", s, err)
			}
			if res.ExitCode != 0 || res.TimedOut || res.Truncated {
				t.Errorf("record %s: exit %d, timed out %v, truncated %v; stderr %s", s, res.ExitCode, res.TimedOut, res.Truncated, res.Stderr)
			}
			out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(s), ".sh")+".trace.gz")
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			zw.Write(buf.Bytes())
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, gz.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes, exit %d in %s", out, buf.Len(), res.ExitCode, res.Duration)
		}
	}
}
