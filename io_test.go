package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"detector/model"
)

// hangLimit bounds CLI runs that used to hang: a hang check, not a timing
// assertion.
const hangLimit = 30 * time.Second

// runNoHang is run with a deadline: a run still going after hangLimit is
// killed and fails the test.
func runNoHang(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir(), "DETECTOR_MODEL=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("detector %s: still running after %v", strings.Join(args, " "), hangLimit)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mknodNull makes a private character device with /dev/null's numbers, so
// that no test can damage the real one.
func mknodNull(t *testing.T, path string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mknod needs root; CI runs as root")
	}
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod: %v (device nodes not allowed here)", err)
	}
	return path
}

func isType(path string, typ os.FileMode) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().Type() == typ
}

// A FIFO where the tool reads a model or a sample is an error at once:
// it used to block the open for good, deaf to --timeout and signals.
func TestFIFOInputs(t *testing.T) {
	good := trainCSVModel(t)
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	table := filepath.Join(dir, "t.csv")
	writeTable(t, table, 5, 4, 0)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"model", []string{"detect", "--input", "csv", "--model", fifo, table}, "not a regular file (fifo)"},
		{"inspect model", []string{"inspect", "--model", fifo}, "not a regular file (fifo)"},
		{"strace sample", []string{"detect", "--input", "strace", "--model", good, fifo}, "not a regular file (fifo)"},
		{"csv sample", []string{"detect", "--input", "csv", "--model", good, fifo}, "not a regular file (fifo)"},
		{"sniffed sample", []string{"detect", "--model", good, fifo}, "not a regular file (fifo)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runNoHang(t, c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, c.want)
			}
		})
	}
}

// SIGTERM ends the process promptly even when the command is stuck in a
// write that ignores cancellation: here the log goes to a FIFO whose
// reader never reads, so the trace writer blocks once the pipe is full.
func TestSignalEndsBlockedRun(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace not installed")
	}
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "log"))
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(binary, "trace", "--timeout", "10m", "--out", fifo, "--",
		"/bin/sh", "-c", "while :; do echo x >/dev/null; done")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+t.TempDir())
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait until the pipe is full (TIOCINQ is FIONREAD): from then on the
	// trace writer blocks, since nothing reads the pipe.
	size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; {
		if time.Since(start) > hangLimit {
			cmd.Process.Kill()
			<-done
			t.Fatalf("the log fifo did not fill in %v", hangLimit)
		}
		if n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ); err != nil {
			t.Fatal(err)
		} else if n >= size {
			break
		}
		select {
		case err := <-done:
			if strings.Contains(errb.String(), "set up sandbox") {
				t.Skipf("no sandbox here: %s", errb.String())
			}
			t.Fatalf("trace ended early: %v\n%s", err, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	// And until a thread sleeps in that write, where the kernel says so
	// (wchan); else signal anyway after a while.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !inPipeWrite(cmd.Process.Pid); {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("after SIGTERM: %v, stderr %q; want exit 2, interrupted", err, errb.String())
		}
	case <-time.After(hangLimit): // a hang check, not a timing assertion
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running %v after SIGTERM", hangLimit)
	}
}

// trace --out writes a character device or a FIFO in place and refuses a
// symlink or a folder before running anything; a regular file is
// replaced whole.
func TestTraceOutTargets(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace not installed")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	traceTo := func(out string) result {
		return runNoHang(t, "trace", "--no-sandbox", "--out", out, "--", "/bin/touch", marker)
	}

	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink("target", link)
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o755)
	for _, out := range []string{link, folder} {
		r := traceTo(out)
		wantError(t, r, "not a regular file")
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("--out %s: the command ran before the refusal", out)
		}
	}
	if !isType(link, os.ModeSymlink) || !isType(folder, os.ModeDir) {
		t.Error("a refused --out was replaced")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("symlink target changed: %q", b)
	}

	regular := filepath.Join(dir, "regular.log")
	os.WriteFile(regular, []byte("old"), 0o644)
	if r := traceTo(regular); r.code != 0 {
		t.Fatalf("--out regular: %s", r.stderr)
	}
	if b, _ := os.ReadFile(regular); !bytes.Contains(b, []byte("execve(")) {
		t.Errorf("regular log: %q", b)
	}

	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	r := traceTo(fifo)
	wantError(t, r, "fifo has no reader")
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	// The log of one touch fits in the pipe's buffer: read it afterwards.
	if r := traceTo(fifo); r.code != 0 {
		t.Fatalf("--out fifo: %s", r.stderr)
	}
	var got bytes.Buffer
	for {
		var buf [4096]byte
		n, err := rd.Read(buf[:])
		got.Write(buf[:n])
		if n == 0 || err != nil {
			break
		}
	}
	if !bytes.Contains(got.Bytes(), []byte("execve(")) {
		t.Errorf("fifo got %q", got.Bytes())
	}
	rd.Close()
	if !isType(fifo, os.ModeNamedPipe) {
		t.Error("fifo replaced")
	}

	dev := mknodNull(t, filepath.Join(dir, "null"))
	if r := traceTo(dev); r.code != 0 {
		t.Fatalf("--out device: %s", r.stderr)
	}
	if !isType(dev, os.ModeDevice|os.ModeCharDevice) {
		t.Error("character device replaced by a file")
	}
}

// train --model refuses, before reading or running any sample, a path
// that is not a regular file or holds something other than a model;
// --force replaces a regular file only.
func TestTrainModelTargets(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	samples := filepath.Join(dir, "samples")
	for _, n := range []string{"a.sh", "b.sh"} {
		p := filepath.Join(samples, n)
		os.MkdirAll(samples, 0o755)
		os.WriteFile(p, []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755)
	}
	trainTo := func(m string, extra ...string) result {
		args := append(append([]string{"train", "--no-sandbox", "--model", m}, extra...), samples)
		return runNoHang(t, args...)
	}

	good := trainCSVModel(t)
	data, _ := os.ReadFile(good)
	linked := filepath.Join(dir, "real.gob")
	os.WriteFile(linked, data, 0o644)
	link := filepath.Join(dir, "link.gob")
	os.Symlink("real.gob", link)
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o755)
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("my notes\n"), 0o644)

	targets := map[string]os.FileMode{link: os.ModeSymlink, folder: os.ModeDir, fifo: os.ModeNamedPipe}
	if os.Geteuid() == 0 {
		if dev := filepath.Join(dir, "null"); syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3) == nil {
			targets[dev] = os.ModeDevice | os.ModeCharDevice
		}
	}
	for m, typ := range targets {
		for _, force := range [][]string{nil, {"--force"}} {
			r := trainTo(m, force...)
			wantError(t, r, "not a regular file")
			if !strings.Contains(r.stderr, "hint: name a regular file") {
				t.Errorf("--model %s: no hint: %s", m, r.stderr)
			}
			if !isType(m, typ) {
				t.Errorf("--model %s was replaced", m)
			}
		}
	}
	r := trainTo(notes)
	wantError(t, r, "not a detector model")
	if !strings.Contains(r.stderr, "--force") {
		t.Errorf("no --force hint: %s", r.stderr)
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Errorf("notes.txt changed: %q", b)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("samples ran before the model path was refused")
	}
	if b, _ := os.ReadFile(linked); !bytes.Equal(b, data) {
		t.Error("the symlink's target changed")
	}

	table := filepath.Join(dir, "t.csv")
	writeTable(t, table, 30, 2, 0)
	if r := runNoHang(t, "train", "--input", "csv", "--force", "--model", notes, table); r.code != 0 {
		t.Fatalf("train --force over notes.txt: %s", r.stderr)
	}
	if _, err := model.Load(notes); err != nil {
		t.Errorf("notes.txt does not hold the model: %v", err)
	}
}

// Names chosen by an attacker (file names, CSV sample names, model
// strings) cannot draw on the terminal: the table has one row line per
// sample and no escape byte, and neither have warnings, errors or
// inspect; JSON keeps the exact names.
func TestTerminalInjection(t *testing.T) {
	const fake = "\x1b[2K\rfake normal"
	dir := t.TempDir()
	m := filepath.Join(dir, "m.gob")
	if r := runNoHang(t, "train", "--input", "strace", "--model", m, "fixtures/traces"); r.code != 0 {
		t.Fatalf("train: %s", r.stderr)
	}
	simple, err := os.ReadFile("fixtures/traces/simple.trace")
	if err != nil {
		t.Fatal(err)
	}
	samples := filepath.Join(dir, "samples")
	os.Mkdir(samples, 0o755)
	names := []string{"evil" + fake, "split\nname", "plain"}
	for _, n := range names {
		os.WriteFile(filepath.Join(samples, n), simple, 0o644)
	}
	mkfifo(t, filepath.Join(samples, "\x1b[31mfifo"))

	noControl := func(what, s string) {
		t.Helper()
		for _, c := range []byte(s) {
			if c < 0x20 && c != '\n' || c == 0x7f {
				t.Errorf("%s holds control byte %#x: %q", what, c, s)
				return
			}
		}
	}
	r := runNoHang(t, "detect", "--model", m, samples)
	if r.code == 2 {
		t.Fatalf("detect: %s", r.stderr)
	}
	noControl("table", r.stdout)
	noControl("warnings", r.stderr)
	// The 80-column table: a line per sample at the left edge, the
	// details indented below it; long names shortened in the middle.
	rowLines := 0
	for _, l := range strings.Split(strings.Split(r.stdout, "-----------")[0], "\n") {
		if l != "" && l[0] != ' ' {
			rowLines++
		}
	}
	if rowLines != 1+len(names) {
		t.Errorf("%d header and row lines for %d samples:\n%s", rowLines, len(names), r.stdout)
	}
	if !strings.Contains(r.stdout, `\rfake normal"`) || !strings.Contains(r.stderr, `\x1b[31mfifo`) {
		t.Errorf("escaped names not shown:\n%s\n%s", r.stdout, r.stderr)
	}
	// The wide table: one box row per sample, names whole.
	r = runNoHang(t, "detect", "--wide", "--model", m, samples)
	noControl("wide table", r.stdout)
	rowLines = 0
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "│") {
			rowLines++
		}
	}
	if rowLines != 1+len(names) || !strings.Contains(r.stdout, `evil\x1b[2K\rfake normal"`) {
		t.Errorf("wide: %d header and row lines for %d samples, or the escaped name is not whole:\n%s", rowLines, len(names), r.stdout)
	}

	r = runNoHang(t, "detect", "--output", "json", "--model", m, samples)
	got := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var row struct{ Sample string }
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("json line %q: %v", l, err)
		}
		got[filepath.Base(row.Sample)] = true
	}
	for _, n := range names {
		if !got[n] {
			t.Errorf("JSON lacks the exact name %q: %v", n, got)
		}
	}

	r = runNoHang(t, "detect", "--model", m, filepath.Join(dir, "missing"+fake))
	wantError(t, r, "missing")
	noControl("error", r.stderr)

	// evaluate names attack families after the files.
	attacks := filepath.Join(dir, "attacks")
	os.Mkdir(attacks, 0o755)
	for _, n := range []string{"evil" + fake + ".trace", "plain.trace"} {
		os.WriteFile(filepath.Join(attacks, n), simple, 0o644)
	}
	r = runNoHang(t, "evaluate", "--input", "strace", "--model", m, "--normal", "fixtures/traces", "--attack", attacks)
	if r.code != 0 {
		t.Fatalf("evaluate: %s", r.stderr)
	}
	noControl("evaluate", r.stdout)
	if !strings.Contains(r.stdout, `"evil\x1b[2K\rfake normal"`) {
		t.Errorf("evaluate does not show the escaped family:\n%s", r.stdout)
	}

	// A model whose strings carry escape sequences (its checksum is
	// valid: it was written by the model package).
	mod, err := model.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	mod.ToolVersion = "1.0" + fake
	mod.Input = "strace" + fake
	mod.FeatureNames[0] = "total" + fake
	hostile := filepath.Join(dir, "hostile.gob")
	if err := model.Save(hostile, mod); err != nil {
		t.Fatal(err)
	}
	r = runNoHang(t, "inspect", "--model", hostile)
	if r.code != 0 {
		t.Fatalf("inspect: %s", r.stderr)
	}
	noControl("inspect", r.stdout)
	if !strings.Contains(r.stdout, `"1.0\x1b[2K\rfake normal"`) {
		t.Errorf("inspect does not show the escaped version:\n%s", r.stdout)
	}
}

// inPipeWrite says whether a thread of process pid sleeps in a pipe write.
func inPipeWrite(pid int) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
	for _, w := range tasks {
		if b, err := os.ReadFile(w); err == nil && strings.Contains(string(b), "pipe_write") {
			return true
		}
	}
	return false
}

// The progress bar escapes sample names: its only control bytes are its
// own carriage return and erase-line sequence.
func TestProgressEscapes(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true)
	p.step(1, 2, "a\x1b]0;owned\x07\nb")
	p.step(2, 2, strings.Repeat("x", 50)+"\x1b[2J")
	p.done()
	out := strings.ReplaceAll(b.String(), "\r\x1b[K", "")
	for _, c := range []byte(out) {
		if c < 0x20 || c == 0x7f {
			t.Fatalf("progress output holds control byte %#x: %q", c, b.String())
		}
	}
	if !strings.Contains(out, `"a\x1b]0;owned\a\nb"`) || !strings.Contains(out, "] 2/2 ...x") || !strings.HasSuffix(out, `x\x1b[2J"`) {
		t.Errorf("progress output %q", out)
	}
}

// evaluate --roc never replaces a folder or a symlink, and checks the path
// before reading any sample; a FIFO or device is written in place.
func TestEvaluateROCTargets(t *testing.T) {
	m := trainCSVModel(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "real.csv")
	os.WriteFile(target, []byte("keep\n"), 0o644)
	link := filepath.Join(dir, "link.csv")
	os.Symlink(target, link)
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o755)
	for _, p := range []string{link, folder} {
		r := run(t, nil, "evaluate", "--model", m, "--input", "csv", "--normal", "testdata/none", "--attack", "testdata/none", "--roc", p)
		wantError(t, r, "--roc")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep\n" {
		t.Errorf("the symlink's target changed: %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", fi, err)
	}
}
