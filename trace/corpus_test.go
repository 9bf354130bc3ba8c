package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// corpusFiles returns the gzipped captures made by testdata/mkcorpus.sh.
func corpusFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.strace.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d corpus captures in testdata, want at least 5", len(files))
	}
	return files
}

func readGz(t testing.TB, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// straceSummary parses the table that strace -c/-C appends: the calls
// column per syscall. It fails the test when the log has no table.
func straceSummary(t testing.TB, log []byte) map[string]int64 {
	i := bytes.LastIndex(log, []byte("% time     seconds  usecs/call     calls"))
	if i < 0 {
		t.Fatal("no strace -C summary table in the capture")
	}
	counts := make(map[string]int64)
	sc := bufio.NewScanner(bytes.NewReader(log[i:]))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "---") {
			continue
		}
		name := f[len(f)-1]
		if name == "total" {
			break
		}
		if len(f) < 5 {
			t.Fatalf("summary row %q: too few fields", sc.Text())
		}
		n, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			t.Fatalf("summary row %q: %v", sc.Text(), err)
		}
		counts[name] += n
	}
	if len(counts) == 0 {
		t.Fatal("empty strace summary table")
	}
	return counts
}

// checkExact parses log and compares the histogram of call names with
// strace's own summary in the same log. strace counts a call when it
// returns, so calls that never did ("= ?" without an errno: exit_group, and
// calls cut off by their process's death) are left out of the comparison
// for every name; all other names must match exactly, and the full
// histogram must match for every name but exit and exit_group.
func checkExact(t *testing.T, log []byte) Stats {
	t.Helper()
	want := straceSummary(t, log)
	got := make(map[string]int64)
	all := make(map[string]int64)
	st, err := ParseStrace(bytes.NewReader(log), func(c *Call) error {
		all[c.Name]++
		if c.RetKnown || c.Errno != "" {
			got[c.Name]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var noReturn int64
	for name, n := range all {
		if name != "exit" && name != "exit_group" {
			noReturn += n - got[name]
		}
	}
	if st.Lines == 0 || st.Calls == 0 {
		t.Errorf("stats %+v: want lines and calls", st)
	}
	if st.Skipped == 0 {
		t.Errorf("stats %+v: the summary table's lines must be skipped", st)
	}
	t.Logf("%d calls without a return besides exit/exit_group", noReturn)
	var diffs []string
	for name, n := range want {
		if got[name] != n {
			diffs = append(diffs, fmt.Sprintf("%s: parsed %d, strace counted %d", name, got[name], n))
		}
	}
	for name, n := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: parsed %d, strace counted 0", name, n))
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
	if st.Calls == 0 {
		t.Error("no calls parsed")
	}
	return st
}

func TestStraceCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			st := checkExact(t, readGz(t, path))
			t.Logf("%+v", st)
		})
	}
}

// TestStraceFresh records new captures with the installed strace, so the
// parser is checked against whatever version the machine has.
func TestStraceFresh(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	if testing.Short() {
		t.Skip("records with strace; skipped in -short mode")
	}
	cases := [][]string{
		{"-f", "-tt", "-T", "-yy", "-s", "200", "--", "sh", "-c", "ls -la / >/dev/null; cat /etc/hostname >/dev/null; echo x | wc -c >/dev/null"},
		{"-f", "-ttt", "-X", "verbose", "--", "sh", "-c", "head -c 2000 /etc/services | sort | uniq -c >/dev/null"},
	}
	for i, args := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "log")
			cmd := exec.Command(strace, append([]string{"-C", "-o", out}, args...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				if bytes.Contains(b, []byte("PTRACE")) || bytes.Contains(b, []byte("ptrace")) {
					t.Skipf("strace cannot trace here: %s", b)
				}
				t.Fatalf("strace: %v: %s", err, b)
			}
			log, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, log)
		})
	}
}
