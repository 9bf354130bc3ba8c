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
	f.Fuzz(func(t *testing.T, data []byte) {
		var calls int64
		st, err := ParseStrace(bytes.NewReader(data), func(c *Call) error {
			calls++
			if c.Name == "" {
				t.Fatal("call without a name")
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
		if st.Skipped+st.Signals+st.Exits > st.Lines {
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
