package samples

import (
	"detector/trace"

	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"detector/internal/safefile"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

const elfHead = "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"

func TestCollectAuto(t *testing.T) {
	dir := t.TempDir()
	p := func(rel string) string { return filepath.Join(dir, rel) }
	writeFile(t, p("a.csv"), "1,2\n", 0o644)
	writeFile(t, p("adfa.txt"), "6 6 63 6 42 120 6 195 120 6 6 114 162 162 \n", 0o644)
	writeFile(t, p("bin/tool"), elfHead, 0o755)
	writeFile(t, p("bin/lib.so"), elfHead, 0o644)
	writeFile(t, p("run.sh"), "#!/bin/sh\necho hi\n", 0o755)
	writeFile(t, p("notes.txt"), "hello\nworld\n", 0o644)
	writeFile(t, p("empty"), "", 0o644)
	writeFile(t, p("log.strace"), "program output\nexecve(\"/bin/true\", [\"true\"], 0x7ffd /* 3 vars */) = 0\nexit_group(0) = ?\n+++ exited with 0 +++\n", 0o644)
	writeFile(t, p("long.strace"), `execve("/bin/true", ["`+strings.Repeat("x", SniffBytes)+`"], 0x1 /* 3 vars */) = 0`+"\n", 0o644)
	writeFile(t, p("ff/out.100"), "getpid() = 100\n+++ exited with 0 +++\n", 0o644)
	writeFile(t, p("ff/out.20"), "getpid() = 20\ngetppid() = 1\n", 0o644)
	writeFile(t, p("ff/out.3"), "getpid() = 3\n", 0o644)
	writeFile(t, p("ff/solo.5"), "getpid() = 5\n", 0o644)
	writeFile(t, p("rot/log"), "getpid() = 1\n", 0o644)
	writeFile(t, p("rot/log.1"), "getpid() = 1\n", 0o644)
	writeFile(t, p("rot/log.2"), "getpid() = 1\n", 0o644)
	if err := os.Symlink(dir, p("loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p("adfa.txt"), p("link.txt")); err != nil {
		t.Fatal(err)
	}
	samples, skipped, err := Collect([]string{dir}, KindAuto)
	if err != nil {
		t.Fatal(err)
	}
	want := []Source{
		{p("a.csv"), KindCSV, []string{p("a.csv")}, nil, nil},
		{p("adfa.txt"), KindADFA, []string{p("adfa.txt")}, nil, nil},
		{p("bin/lib.so"), KindExec, []string{p("bin/lib.so")}, nil, nil}, // an ELF file without the execute bit
		{p("bin/tool"), KindExec, []string{p("bin/tool")}, nil, nil},
		{p("ff/out"), KindStrace, []string{p("ff/out.3"), p("ff/out.20"), p("ff/out.100")}, nil, nil},
		{p("ff/solo.5"), KindStrace, []string{p("ff/solo.5")}, nil, nil},
		{p("link.txt"), KindADFA, []string{p("link.txt")}, nil, nil},
		{p("log.strace"), KindStrace, []string{p("log.strace")}, nil, nil},
		{p("long.strace"), KindStrace, []string{p("long.strace")}, nil, nil},
		{p("rot/log"), KindStrace, []string{p("rot/log")}, nil, nil},
		{p("rot/log.1"), KindStrace, []string{p("rot/log.1")}, nil, nil},
		{p("rot/log.2"), KindStrace, []string{p("rot/log.2")}, nil, nil},
		{p("run.sh"), KindExec, []string{p("run.sh")}, nil, nil},
	}
	if !reflect.DeepEqual(samples, want) {
		t.Errorf("samples:\n%v\nwant\n%v", samples, want)
	}
	var msgs []string
	for _, e := range skipped {
		msgs = append(msgs, strings.ReplaceAll(e.Error(), dir+"/", ""))
	}
	wantSkipped := []string{
		"skip empty: empty file",
		"skip loop: symlinked folder not followed",
		"skip notes.txt: not an executable, strace log, ADFA-LD trace or .csv file",
	}
	if !reflect.DeepEqual(msgs, wantSkipped) {
		t.Errorf("skipped:\n%q\nwant\n%q", msgs, wantSkipped)
	}

	// Replay of the -ff group: pids from the file names, stats summed.
	var pids []int
	st, err := Replay(want[4], trace.ArchI386, func(c *trace.Call) error {
		pids = append(pids, c.PID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pids, []int{3, 20, 20, 100}) || st.Calls != 4 || st.Exits != 1 || st.Lines != 5 {
		t.Errorf("replay pids %v, stats %+v", pids, st)
	}
	// Replay of an ADFA-LD trace.
	st, err = Replay(want[1], trace.ArchI386, func(c *trace.Call) error { return nil })
	if err != nil || st.Calls != 14 {
		t.Errorf("replay adfa: stats %+v, err %v", st, err)
	}
}

func TestCollectExplicitKind(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.1"), "hello\n", 0o644)
	writeFile(t, filepath.Join(dir, "x.2"), "", 0o644)
	writeFile(t, filepath.Join(dir, "y"), "1 2 3\n", 0o644)
	samples, skipped, err := Collect([]string{dir}, KindStrace)
	if err != nil || len(skipped) != 0 {
		t.Fatal(err, skipped)
	}
	want := []Source{
		{filepath.Join(dir, "x"), KindStrace, []string{filepath.Join(dir, "x.1"), filepath.Join(dir, "x.2")}, nil, nil},
		{filepath.Join(dir, "y"), KindStrace, []string{filepath.Join(dir, "y")}, nil, nil},
	}
	if !reflect.DeepEqual(samples, want) {
		t.Errorf("samples %v, want %v", samples, want)
	}
	// A file argument is taken as given.
	samples, _, err = Collect([]string{filepath.Join(dir, "y")}, KindADFA)
	if err != nil || len(samples) != 1 || samples[0].Kind != KindADFA {
		t.Errorf("samples %v, err %v", samples, err)
	}
}

func TestCollectMissing(t *testing.T) {
	_, _, err := Collect([]string{filepath.Join(t.TempDir(), "nope")}, KindAuto)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err %v, want not-exist", err)
	}
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	writeFile(t, bad, "1 2 x\n", 0o644)
	_, err := Replay(Source{Name: bad, Kind: KindADFA, Paths: []string{bad}}, trace.ArchI386, func(*trace.Call) error { return nil })
	var pe *trace.ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Col != 5 || !strings.Contains(err.Error(), bad) {
		t.Errorf("err %v, want a *trace.ParseError naming the file", err)
	}
	if _, err := Replay(Source{Name: bad, Kind: KindCSV, Paths: []string{bad}}, trace.ArchI386, nil); err == nil {
		t.Error("replay of a csv source succeeded")
	}
	stop := errors.New("stop")
	_, err = Replay(Source{Name: bad, Kind: KindADFA, Paths: []string{bad}}, trace.ArchI386, func(*trace.Call) error { return stop })
	if err != stop {
		t.Errorf("callback error came back as %v", err)
	}
}

func TestParseKind(t *testing.T) {
	for _, s := range []string{"auto", "exec", "strace", "adfa", "csv"} {
		k, err := ParseKind(s)
		if err != nil || k.String() != s {
			t.Errorf("ParseKind(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := ParseKind("pcap"); err == nil {
		t.Error("ParseKind(pcap) succeeded")
	}
}

// noHang runs f and fails the test if it is still running after a long
// grace period: a hang check, not a timing assertion.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s still blocked after 20s", what)
	}
}

// A recorded sample that is a FIFO by the time it is opened (as when a
// regular file is swapped for one after Collect's stat) is an error, not
// an open that waits for a writer forever.
func TestReplayFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "log.strace")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []Kind{KindStrace, KindADFA} {
		var err error
		noHang(t, "Replay of a fifo", func() {
			_, err = Replay(Source{Name: fifo, Kind: k, Paths: []string{fifo}}, trace.ArchI386, func(*trace.Call) error { return nil })
		})
		if err == nil || !strings.Contains(err.Error(), "not a regular file (fifo)") {
			t.Errorf("Replay(%v fifo) = %v, want a not-a-regular-file error", k, err)
		}
	}
}

// FIFOs in a walked folder or named directly are skipped without being
// opened, whatever the kind; a folder that is a FIFO when walked is an
// error, not a hang.
func TestCollectFIFO(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.strace"), "getpid() = 1\n", 0o644)
	fifo := filepath.Join(dir, "b.strace")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []Kind{KindAuto, KindStrace} {
		for _, args := range [][]string{{dir}, {fifo, filepath.Join(dir, "a.strace")}} {
			var samples []Source
			var skipped []error
			var err error
			noHang(t, "Collect", func() { samples, skipped, err = Collect(args, k) })
			if err != nil || len(samples) != 1 || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "not a regular file (fifo)") {
				t.Errorf("Collect(%v, %v) = %v, %v, %v", args, k, samples, skipped, err)
			}
		}
	}
	var err error
	noHang(t, "walkDir(fifo)", func() {
		err = walkDir(fifo, true, func(string) { t.Error("visited a fifo") }, func(string, error) {})
	})
	if !errors.Is(err, safefile.ErrNotDir) {
		t.Errorf("walkDir(fifo) = %v, want ErrNotDir", err)
	}
}
