package trace

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSeeds cuts the corpus captures into chunks of about 40 lines, up to
// eight chunks per capture spread over the whole file, so the fuzzer starts
// from real strace text of every option combination without mutating
// megabyte inputs.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, path := range corpusFiles(t) {
		lines := bytes.SplitAfter(readGz(t, path), []byte("\n"))
		const chunk, perFile = 40, 8
		step := max(len(lines)/perFile, chunk)
		for i := 0; i < len(lines); i += step {
			seeds = append(seeds, bytes.Join(lines[i:min(i+chunk, len(lines))], nil))
		}
	}
	return seeds
}

func FuzzParseStrace(f *testing.F) {
	seeds := fuzzSeeds(f)
	if len(seeds) < 20 {
		f.Fatalf("only %d fuzz seeds from the corpus", len(seeds))
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte("1 read(3,  <unfinished ...>\n2 <... read resumed>\"\", 1) = 0\n1 <... read resumed>\"x\", 1) = 1\n"))
	f.Add([]byte("openat(AT_FDCWD</t>, \"/a) = 4>,b\", O_RDONLY) = 3</a) = 4\\76,b> <0.1>\n"))
	// Every return comment and prefix form of the corpus, on its own.
	for _, line := range []string{
		"select(5, NULL, [4], NULL, {tv_sec=0, tv_usec=50000}) = 1 (out [4], left {tv_sec=0, tv_usec=49996})\n",
		"pselect6(5, NULL, [4], NULL, {tv_sec=0, tv_nsec=50000000}, NULL) = 1 (out [4], left {tv_sec=0, tv_nsec=49996705}) <0.000012>\n",
		"1 pselect6(4, [3], NULL, NULL, NULL, NULL <unfinished ...>\n1 <... pselect6 resumed>) = 1 (in [3], left {tv_sec=4, tv_nsec=9})\n",
		"ppoll([{fd=3, events=POLLIN}], 1, {tv_sec=1, tv_nsec=0}, NULL, 8) = 1 ([{fd=3, revents=POLLIN}], left {tv_sec=0, tv_nsec=9})\n",
		"poll([{fd=3, events=POLLIN}], 1, 1) = 0 (Timeout)\n",
		"memfd_create(\"\", 0) = 4</memfd:>(deleted)\nfcntl(4</memfd:>(deleted), F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)\n",
		"accept(7<TCPv6:[[::1]:37117]>, NULL, NULL) = 9<TCPv6:[[::1]:37117->[::1]:37046]>\n",
		"ioprio_get(1, 0) = 0 (IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE, 0))\ntime(NULL) = 1795337253 (2026-11-22T08:47:33+0000)\n",
		"getppid() = -1 (errno 1000)\nread(3, 0x7ffc, 1024) = ? <unavailable>\numask(022) = 022 (DELAYED)\n",
		"getitimer(ITIMER_REAL, {it_value={tv_sec=0, tv_usec=0}}) = 0 (INJECTED: args, retval)\n",
		"30620<sh> clone(child_stack=NULL, flags=SIGCHLD) = 30621<sh>\n[pid 23591<sh>] getpid() = 23591<sh>\n",
		"3390  08:48:30.455554 [  12] [00007f70385a2c47] brk(NULL) = 0x557f7851a000\n",
		"894   [   5] open(\"/etc/shadow\", O_RDONLY) = -1 ENOSYS (Function not implemented)\n894   [   6] close(3</etc/ld.so.cache>) = 0\n",
		"[ Process PID=894 runs in 32 bit mode. ]\nopen(\"/etc/shadow\", O_RDONLY) = 3</etc/shadow>\n[ Process PID=894 runs in 64 bit mode. ]\n",
		"openat(AT_FDCWD</tmp>, \"a\\76b\", O_RDONLY) = 7</tmp/a\\x3eb<char 1:3>>\nopenat(AT_FDCWD</>, \"x\", O_RDONLY) = 4</memfd:x\\>(deleted)\n",
	} {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var calls int64
		st, err := ParseStrace(bytes.NewReader(data), func(c *Call) error {
			calls++
			if c.Name == "" {
				t.Fatal("call without a name")
			}
			if len(c.RetPath) > maxRetPath || len(c.RetPath) > len(data) {
				t.Fatalf("RetPath of %d bytes from %d bytes of input", len(c.RetPath), len(data))
			}
			args := c.Args()
			for i := 0; ; i++ {
				a := c.Arg(i)
				if a == "" && i > 0 {
					break
				}
				if len(a) > len(args) {
					t.Fatalf("Arg(%d) longer than Args", i)
				}
				if u, _, ok := Unquote(a); ok && len(u) > len(a) {
					t.Fatalf("Unquote(%q) = %q, longer than its input", a, u)
				}
				if i > len(args)+1 {
					t.Fatal("more arguments than bytes")
				}
			}
			return nil
		})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v (%T) is not a *ParseError with a line", err, err)
			}
			return
		}
		if st.Calls != calls {
			t.Fatalf("Stats.Calls %d, callbacks %d", st.Calls, calls)
		}
		if st.Bytes != int64(len(data)) {
			t.Fatalf("Stats.Bytes %d, input %d", st.Bytes, len(data))
		}
		nl := int64(bytes.Count(data, []byte("\n")))
		if st.Lines < nl || st.Lines > nl+1 {
			t.Fatalf("Stats.Lines %d for %d newlines", st.Lines, nl)
		}
		if st.Skipped+st.Signals+st.Exits > st.Lines || st.Cut > st.Lines {
			t.Fatalf("stats %+v count more lines than read", st)
		}
	})
}

func FuzzParseADFA(f *testing.F) {
	f.Add([]byte("6 6 63 6 42 120 6 195 120 6 6 114 162 162 \n"))
	f.Add([]byte("1 2 x\n3"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var calls int64
		st, err := ParseADFA(bytes.NewReader(data), ArchI386, func(c *Call) error {
			calls++
			return nil
		})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("error %v is not a *ParseError with a position", err)
			}
			return
		}
		if st.Calls != calls || st.Calls != int64(len(bytes.Fields(data))) {
			t.Fatalf("stats %+v, %d callbacks, %d fields", st, calls, len(bytes.Fields(data)))
		}
	})
}
