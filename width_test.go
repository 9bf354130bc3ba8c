package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"golang.org/x/sys/unix"
)

// The README's fixture run: in 80 columns every row names its file in
// full and no line passes 80 columns; in 160 the table uses the width (no
// list of findings needs a line of its own); rules list fits both.
func TestTableWidths(t *testing.T) {
	t.Parallel() // spawns its own runs only; shortens CI on two cores
	if testing.Short() {
		t.Skip("trains a model and judges the fixtures at each width; the first pass runs it; skipped with -short")
	}
	needStrace(t)
	m := benignModel(t)
	files, err := filepath.Glob("fixtures/suspicious/*.sh")
	if err != nil || len(files) == 0 {
		t.Fatal("no suspicious fixtures")
	}
	lines := map[int][]string{}
	for _, cols := range []int{80, 160} {
		r := run(t, []string{"COLUMNS=" + strconv.Itoa(cols)}, "--detect", "fixtures/suspicious", "--model", m)
		if r.code != 1 {
			t.Fatalf("detect at %d columns: exit %d, want 1\n%s", cols, r.code, r.stderr)
		}
		lines[cols] = strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		widest := 0
		for _, l := range lines[cols] {
			widest = max(widest, runewidth.StringWidth(l))
		}
		if widest > cols {
			t.Errorf("a line of %d columns at COLUMNS=%d:\n%s", widest, cols, r.stdout)
		}
		if cols == 160 && widest <= 80 {
			t.Errorf("at 160 columns the table stays within 80:\n%s", r.stdout)
		}
		if strings.Contains(r.stdout, "normal") || strings.Contains(r.stdout, "VERDICT") {
			t.Errorf("the table still has a verdict column:\n%s", r.stdout)
		}
		for _, f := range files {
			name := filepath.Base(f)
			found := false
			for _, l := range lines[cols] {
				found = found || strings.HasPrefix(l, name+" ")
			}
			if !found {
				t.Errorf("COLUMNS=%d: no row starts with %s in full:\n%s", cols, name, r.stdout)
			}
		}
	}
	if len(lines[160]) >= len(lines[80]) {
		t.Errorf("160 columns take as many lines (%d) as 80 (%d)", len(lines[160]), len(lines[80]))
	}
	for _, cols := range []int{80, 160} {
		r := run(t, []string{"COLUMNS=" + strconv.Itoa(cols)}, "rules", "list")
		if r.code != 0 {
			t.Fatalf("rules list: %d %s", r.code, r.stderr)
		}
		for _, l := range strings.Split(r.stdout, "\n") {
			if runewidth.StringWidth(l) > cols {
				t.Errorf("rules list at %d columns: a line of %d: %s", cols, runewidth.StringWidth(l), l)
			}
		}
	}
	r := run(t, []string{"COLUMNS=60"}, "rules", "show", "shell-from-server")
	for _, l := range strings.Split(r.stdout, "\n") {
		if runewidth.StringWidth(l) > 60 {
			t.Errorf("rules show at 60 columns: a line of %d: %s", runewidth.StringWidth(l), l)
		}
	}
}

// Without $COLUMNS, the table and rules list take the width of the
// terminal on standard output.
func TestTerminalWidth(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pseudo-terminal: %v", err)
	}
	defer tty.Close()
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 120}); err != nil {
		t.Fatal(err)
	}
	// The output is read as it comes, so the terminal never fills.
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := ptmx.Read(buf)
			out.Write(buf[:k])
			if err != nil {
				close(done)
				return
			}
		}
	}()
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "COLUMNS=") {
			env = append(env, e)
		}
	}
	cmd := exec.Command(binary, "rules", "list")
	cmd.Env, cmd.Stdout = env, tty
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	<-done
	widest := 0
	for _, l := range strings.Split(strings.ReplaceAll(out.String(), "\r\n", "\n"), "\n") {
		widest = max(widest, runewidth.StringWidth(l))
	}
	if widest <= 80 || widest > 120 {
		t.Errorf("rules list in a 120-column terminal: widest line %d columns, want 81 to 120:\n%s", widest, out.String())
	}
}

// The README's example run is the table as it is now: 80 columns at
// most, a row per suspicious fixture named in full, no verdict column.
func TestREADMEExampleTable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "<!-- example:begin -->"), strings.Index(s, "<!-- example:end -->")
	if i < 0 || j < i {
		t.Fatal("no example block in the README")
	}
	block := s[i:j]
	k := strings.Index(block, "```\n")
	l := strings.Index(block[k+4:], "```\n")
	if k < 0 || l < 0 {
		t.Fatal("no table in the example block")
	}
	table := block[k+4 : k+4+l]
	if !strings.HasPrefix(table, "SAMPLE ") || strings.Contains(table, "VERDICT") || !strings.Contains(table, "\nAttention: ") {
		t.Errorf("the example is not today's table:\n%s", table)
	}
	for _, line := range strings.Split(table, "\n") {
		if runewidth.StringWidth(line) > 80 {
			t.Errorf("example line of %d columns: %s", runewidth.StringWidth(line), line)
		}
	}
	files, _ := filepath.Glob("fixtures/suspicious/*.sh")
	for _, f := range files {
		if !strings.Contains(table, "\n"+filepath.Base(f)+" ") {
			t.Errorf("the example has no row named %s", filepath.Base(f))
		}
	}
}
