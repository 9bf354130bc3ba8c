package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
		// strace -C counts only the numbers in its own table: a call it
		// prints as syscall_0x3e7 is not in the summary.
		if _, ok := want[name]; !ok && !strings.HasPrefix(name, "syscall_0x") {
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

// returnForms are the return comments and decorations strace 6.1 prints,
// and the line shapes around them; each must occur in the corpus, so that
// TestStraceCorpus checks them against strace's own counts.
var returnForms = []string{
	"= 0 (Timeout)",                             // select, pselect6, poll, ppoll
	") = 1 (in [",                               // select/pselect6 without a timeout
	"], left {tv_sec=",                          // ... with one left
	") = 1 (out [",                              // select/pselect6 writable
	"], out [",                                  // in and out sets at once
	", revents=POLLOUT}], left {tv_sec=",        // ppoll
	"revents=POLLIN}, {fd=",                     // poll, two descriptors
	"= 1 (left {tv_sec=",                        // recvmmsg
	"resumed>)           = 1 (in [",             // a blocked select/pselect6, resumed
	"<... ppoll resumed>",                       //
	"<... epoll_pwait resumed>",                 //
	"<... epoll_wait resumed>",                  //
	">(deleted)",                                // -y: memfd and unlinked files
	" = 8</memfd:>(deleted)",                    // ... as a return
	"(flags FD_CLOEXEC)",                        // fcntl F_GETFD
	"(flags O_RDWR|O_LARGEFILE)",                // fcntl F_GETFL
	"(seals F_SEAL_SHRINK)",                     // fcntl F_GET_SEALS
	"(seals 0x2 /* F_SEAL_SHRINK */)",           // ... under -X verbose
	"= 0 (PER_LINUX)",                           // personality
	"= 0 (SCHED_OTHER)",                         // sched_getscheduler
	"(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0))", // ioprio_get: a comma in nested parentheses
	"+0000)",            // time: a date
	"= 5 (TIME_ERROR)",  // clock_adjtime
	"= 022",             // umask: octal
	"= -1 (errno 1000)", // an errno strace has no name for
	"= -1 (errno 4095)", //
	"= ? ERESTART_RESTARTBLOCK (Interrupted by signal)",
	"= ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
	"= ? ERESTARTNOHAND (To be restarted if no handler)",
	"restart_syscall(<... resuming interrupted nanosleep ...>) = 0",
	"(INJECTED)",               // strace -e inject
	"(INJECTED: args)",         //
	"(INJECTED: args, retval)", //
	"(DELAYED)",                //
	"<TCP:[127.0.0.1:",         // -yy sockets
	"<TCPv6:[[::1]:",           //
	"<UDP:[127.0.0.1:",         //
	"<UNIX-STREAM:[",           //
	"<NETLINK:[",               //
	"<pipe:[",                  //
	"<anon_inode:[eventpoll]>", //
	"<anon_inode:[timerfd]>",   //
	"<anon_inode:[signalfd]>",  //
	"<anon_inode:inotify>",     //
	"<pid:",                    // -yy pidfd
	"</dev/null<char 1:3>>",    // -yy device
	") = 9<TCP:[127.0.0.1:",    // -yy socket return
	"<poll> ",                  // -Y comm in the pid column
	"] [0000",                  // -n and -i fields
	"syscall_0x3e7(",           // a number strace has no name for
}

func TestStraceCorpusForms(t *testing.T) {
	var all []byte
	for _, path := range corpusFiles(t) {
		all = append(all, readGz(t, path)...)
	}
	for _, f := range returnForms {
		if !bytes.Contains(all, []byte(f)) {
			t.Errorf("no capture in testdata holds %q", f)
		}
	}
}

func TestStraceCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			st := checkExact(t, readGz(t, path))
			t.Logf("%+v", st)
		})
	}
}

// freshBound bounds one fresh recording; each takes about a second on an
// idle machine.
const freshBound = 5 * time.Minute

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
	// The polling loads of the corpus, when they can be built or run.
	if cc, err := exec.LookPath("cc"); err == nil {
		bin := filepath.Join(t.TempDir(), "poll")
		if b, err := exec.Command(cc, "-O2", "-pthread", "-o", bin, filepath.Join("testdata", "poll.c")).CombinedOutput(); err != nil {
			t.Fatalf("cc poll.c: %v: %s", err, b)
		}
		cases = append(cases,
			[]string{"-f", "-yy", "-T", "--", bin},
			[]string{"-f", "-y", "-tt", "-Y", "-n", "--", bin})
	} else {
		t.Log("no C compiler: poll.c not recorded afresh")
	}
	if py, err := exec.LookPath("python3"); err == nil {
		cases = append(cases, []string{"-f", "-yy", "--", py, filepath.Join("testdata", "poll.py")})
	} else {
		t.Log("no python3: poll.py not recorded afresh")
	}
	for i, args := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "log")
			// A load that hangs fails here, named, instead of at the
			// package's timeout: strace and its tracees share a process
			// group, killed whole after the bound.
			ctx, cancel := context.WithTimeout(context.Background(), freshBound)
			defer cancel()
			cmd := exec.CommandContext(ctx, strace, append([]string{"-C", "-o", out}, args...)...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			cmd.WaitDelay = 10 * time.Second
			if b, err := cmd.CombinedOutput(); err != nil {
				if ctx.Err() != nil {
					t.Fatalf("strace %v: still running after %v: %s", args, freshBound, b)
				}
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
