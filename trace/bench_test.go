package trace

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"detector/features"
)

var benchLog = flag.String("benchlog", "", "write a generated `file` of -benchlogmb MB for outside measurements, and exit the test")
var benchLogMB = flag.Int("benchlogmb", 200, "size in MB of the log -benchlog writes")

// genLog writes a synthetic strace -f -tt -T -yy -s 200 log of at least
// size bytes: eight processes interleaving calls, about one call in five
// split into an unfinished/resumed pair, long quoted strings with escapes and
// parentheses, errors, signals and exits. It returns the number of calls
// written. The same seed gives the same bytes.
func genLog(w io.Writer, size int64, seed uint64) (calls int64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	bw := bufio.NewWriterSize(w, 1<<16)
	defer bw.Flush()
	var (
		written int64
		line    []byte
		sec     = 36000
		usec    = 0
		pids    = []int{4100, 4101, 4102, 4103, 4104, 4105, 4106, 4107}
		open    = map[int]string{} // pid -> name of its unfinished call
	)
	paths := []string{"/etc/passwd", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/tmp/work (copy)/a = b.txt", "/proc/self/status", "/var/log/syslog"}
	emit := func(pid int, body string) {
		usec += 1 + rng.IntN(300)
		if usec >= 1000000 {
			usec -= 1000000
			sec++
		}
		line = line[:0]
		line = strconv.AppendInt(line, int64(pid), 10)
		for len(line) < 6 {
			line = append(line, ' ')
		}
		line = fmt.Appendf(line, "%02d:%02d:%02d.%06d ", sec/3600%24, sec/60%60, sec%60, usec)
		line = append(line, body...)
		line = append(line, '\n')
		bw.Write(line)
		written += int64(len(line))
	}
	longString := func(n int) string {
		b := make([]byte, 0, n+16)
		b = append(b, '"')
		for len(b) < n {
			switch r := rng.IntN(20); {
			case r == 0:
				b = append(b, `\"`...)
			case r == 1:
				b = append(b, `) = 3 (`...)
			case r == 2:
				b = append(b, `\n`...)
			case r == 3:
				b = append(b, `\x1b[`...)
			default:
				b = append(b, byte('a'+rng.IntN(26)))
			}
		}
		b = append(b, '"')
		if rng.IntN(2) == 0 {
			b = append(b, "..."...)
		}
		return string(b)
	}
	dur := func() string { return fmt.Sprintf(" <0.%06d>", rng.IntN(2000)) }
	for written < size {
		pid := pids[rng.IntN(len(pids))]
		if name, ok := open[pid]; ok {
			delete(open, pid)
			switch name {
			case "read":
				emit(pid, "<... read resumed>"+longString(180)+", 65536) = 4096"+dur())
			case "futex":
				emit(pid, "<... futex resumed>)              = 0"+dur())
			default:
				emit(pid, "<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4109"+dur())
			}
			calls++
			continue
		}
		fd := 3 + rng.IntN(5)
		path := paths[rng.IntN(len(paths))]
		switch r := rng.IntN(100); {
		case r < 7:
			names := []string{"read", "futex", "wait4"}
			name := names[rng.IntN(3)]
			open[pid] = name
			switch name {
			case "read":
				emit(pid, fmt.Sprintf("read(%d<%s>,  <unfinished ...>", fd, path))
			case "futex":
				emit(pid, "futex(0x7f3a2c0008d0, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>")
			default:
				emit(pid, "wait4(-1,  <unfinished ...>")
			}
		case r < 25:
			emit(pid, fmt.Sprintf("openat(AT_FDCWD</home/user>, %q, O_RDONLY|O_CLOEXEC) = %d<%s>%s", path, fd, path, dur()))
			calls++
		case r < 32:
			emit(pid, fmt.Sprintf("openat(AT_FDCWD</home/user>, \"/nonexistent/%d\", O_RDONLY) = -1 ENOENT (No such file or directory)%s", rng.IntN(1000), dur()))
			calls++
		case r < 50:
			emit(pid, fmt.Sprintf("read(%d<%s>, %s, 4096) = 4096%s", fd, path, longString(200), dur()))
			calls++
		case r < 60:
			emit(pid, fmt.Sprintf("write(1<pipe:[%d]>, %s, 200) = 200%s", 10000+rng.IntN(100), longString(200), dur()))
			calls++
		case r < 70:
			emit(pid, fmt.Sprintf("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f%010x%s", 4096*(1+rng.IntN(64)), rng.Uint64()&0xffffffffff, dur()))
			calls++
		case r < 78:
			emit(pid, fmt.Sprintf("newfstatat(%d<%s>, \"\", {st_mode=S_IFREG|0644, st_size=%d, ...}, AT_EMPTY_PATH) = 0%s", fd, path, rng.IntN(1<<20), dur()))
			calls++
		case r < 84:
			emit(pid, fmt.Sprintf("close(%d<%s>) = 0%s", fd, path, dur()))
			calls++
		case r < 88:
			emit(pid, fmt.Sprintf("connect(%d<TCP:[10.0.0.%d:%d]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr(\"93.184.216.34\")}, 16) = -1 EINPROGRESS (Operation now in progress)%s", fd, rng.IntN(255), 30000+rng.IntN(30000), dur()))
			calls++
		case r < 91:
			emit(pid, `execve("/usr/bin/python3", ["python3", "-c", "import os; print(os.getpid())"], 0x7ffd6a1c3f08 /* 42 vars */) = 0`+dur())
			calls++
		case r < 94:
			emit(pid, "rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0"+dur())
			calls++
		case r < 96:
			emit(pid, "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4109, si_uid=1000, si_status=0, si_utime=0, si_stime=0} ---")
		case r < 98:
			emit(pid, fmt.Sprintf("syscall_0x1b6(0x%x, 0, 0) = -1 ENOSYS (Function not implemented)%s", rng.IntN(100), dur()))
			calls++
		default:
			emit(pid, "clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1000000}, 0x7ffd6a1c3e40) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"+dur())
			calls++
		}
	}
	for _, pid := range pids {
		if _, ok := open[pid]; ok {
			calls++ // delivered at end of input, unfinished
		}
		emit(pid, "+++ exited with 0 +++")
	}
	return calls
}

// TestWriteBenchLog writes a generated log for measurements outside go test
// (wc -l, a Python parser, peak memory of the CLI); it runs only with
// -benchlog.
func TestWriteBenchLog(t *testing.T) {
	if *benchLog == "" {
		t.Skip("no -benchlog file given")
	}
	f, err := os.Create(*benchLog)
	if err != nil {
		t.Fatal(err)
	}
	calls := genLog(f, int64(*benchLogMB)<<20, 1)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d calls", *benchLog, calls)
}

func TestGenLogParses(t *testing.T) {
	var buf bytes.Buffer
	want := genLog(&buf, 1<<20, 7)
	st, err := ParseStrace(bytes.NewReader(buf.Bytes()), func(*Call) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Calls != want || st.Skipped != 0 || st.Exits != 8 {
		t.Fatalf("stats %+v, want %d calls, 0 skipped, 8 exits", st, want)
	}
}

func BenchmarkParseStrace(b *testing.B) {
	for _, mb := range []int{1, 20, 200} {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			var buf bytes.Buffer
			buf.Grow(mb<<20 + 1<<16)
			want := genLog(&buf, int64(mb)<<20, 1)
			log := buf.Bytes()
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var n int64
				st, err := ParseStrace(bytes.NewReader(log), func(c *Call) error {
					n += int64(len(c.Name))
					return nil
				})
				if err != nil || st.Calls != want {
					b.Fatalf("calls %d, want %d: %v", st.Calls, want, err)
				}
			}
		})
	}
}

// BenchmarkCountLines is the floor ParseStrace is compared with: finding
// the line ends of the same log with bytes.IndexByte, like wc -l.
func BenchmarkCountLines(b *testing.B) {
	var buf bytes.Buffer
	genLog(&buf, 20<<20, 1)
	log := buf.Bytes()
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		n := bytes.Count(log, []byte{'\n'})
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}

// BenchmarkTenStatistics is the pipeline's work when only the ten
// statistics are asked for, on the 200 MB log: ParseStrace feeding call
// names to a features.Counter (the calls-only path of earlier versions)
// against ParseEvents feeding the same counter through an event callback
// (the path every sample takes now). The two alternate within each op, so
// that a change in the machine's load falls on both alike; the metrics are
// each side's throughput per CPU second and the events path's speed
// relative to the calls path.
func BenchmarkTenStatistics(b *testing.B) {
	var buf bytes.Buffer
	buf.Grow(200<<20 + 1<<16)
	want := genLog(&buf, 200<<20, 1)
	log := buf.Bytes()
	check := func(st Stats, err error, c *features.Counter) {
		if err != nil || st.Calls != want || c.Total() != want {
			b.Fatalf("calls %d, want %d: %v", st.Calls, want, err)
		}
	}
	// CPU time rather than wall time: a
	// busy machine stretches wall time far more than the CPU time of the
	// parse itself.
	var tCalls, tEvents time.Duration
	for b.Loop() {
		start := cpuTime()
		var c1 features.Counter
		st, err := ParseStrace(bytes.NewReader(log), func(call *Call) error { c1.Add(call.Name); return nil })
		check(st, err, &c1)
		tCalls += cpuTime() - start

		start = cpuTime()
		var c2 features.Counter
		st, err = ParseEvents(bytes.NewReader(log), func(e *Event) error {
			if e.Kind == EventCall {
				c2.Add(e.Call.Name)
			}
			return nil
		})
		check(st, err, &c2)
		tEvents += cpuTime() - start
	}
	mb := float64(len(log)) / 1e6 * float64(b.N)
	b.ReportMetric(mb/tCalls.Seconds(), "calls-MB/s")
	b.ReportMetric(mb/tEvents.Seconds(), "events-MB/s")
	b.ReportMetric(100*tCalls.Seconds()/tEvents.Seconds(), "events-speed-%")
}

// cpuTime returns the CPU time, user and system, used so far by this
// process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
