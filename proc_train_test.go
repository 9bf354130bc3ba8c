package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// train --input proc learns the live process table (Isolation Forest by
// default), and monitor scores processes against that model beside its
// source; the model kinds are checked.
func TestTrainProcAndMonitor(t *testing.T) {
	if _, err := os.Stat("/proc/self/io"); err != nil {
		t.Skip("no /proc/PID/io here")
	}
	dir := t.TempDir()
	m := filepath.Join(dir, "proc.gob")
	r := run(t, nil, "train", "--input", "proc", "--duration", "2s", "--poll", "500ms", "--model", m)
	if r.code != 0 || !strings.Contains(r.stderr, "trained iforest on ") || !strings.Contains(r.stderr, " process rows from ") {
		t.Fatalf("train --input proc: %d %s", r.code, r.stderr)
	}
	in := run(t, nil, "inspect", "--model", m)
	for _, want := range []string{"(input proc)", "cpu_share", "sockets_listen", "parent_server"} {
		if !strings.Contains(in.stdout, want) {
			t.Errorf("inspect lacks %q:\n%s", want, in.stdout)
		}
	}
	r = run(t, nil, "monitor", "--source", "proc", "--model", m, "--duration", "2s", "--poll", "500ms", "--allow", "testdata/monitor/allow-unowned.yaml")
	if r.code != 0 {
		t.Fatalf("monitor with a process model: %d %s", r.code, r.stderr)
	}
	for _, rec := range logRecords(t, r.stdout) {
		if rec["kind"] == "model" && (rec["source"] != "proc" || rec["syscalls"] != false || rec["algorithm"] != "iforest") {
			t.Errorf("model record %v", rec)
		}
	}
	wantError(t, run(t, nil, "monitor", "--source", "strace", "--model", m, "--", "true"), "serves the proc and ebpf sources")
	wantError(t, run(t, nil, "monitor", "--source", "proc", "--model", m, "--model", m), "two models of process metrics")
	wantError(t, run(t, nil, "train", "--input", "proc", "--model", m, "fixtures/benign"), "takes no PATH")
	wantError(t, run(t, nil, "train", "--input", "proc", "--duration", "1s", "--poll", "2s", "--model", m), "--poll")
	wantError(t, run(t, nil, "train", "--input", "proc", "--algorithm", "ngram", "--duration", "1s", "--model", m), "call sequences")
}
