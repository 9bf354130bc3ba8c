package trace

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func adfaNames(t *testing.T, in string, arch Arch) ([]string, Stats, error) {
	t.Helper()
	var names []string
	st, err := ParseADFA(strings.NewReader(in), arch, func(c *Call) error {
		if c.PID != 0 || c.RetKnown || c.Args() != "" {
			t.Errorf("ADFA call %+v has more than a name", c)
		}
		names = append(names, c.Name)
		return nil
	})
	return names, st, err
}

func TestParseADFA(t *testing.T) {
	// i386 numbers as listed in the ADFA-LD README: 3 read, 4 write,
	// 5 open, 6 close, 11 execve, 102 socketcall, 192 mmap2, 240 futex.
	in := "3 4 5 6 11 102 192 240 \n\n\t9999 "
	names, st, err := adfaNames(t, in, ArchI386)
	if err != nil {
		t.Fatal(err)
	}
	want := "read write open close execve socketcall mmap2 futex syscall_0x270f"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if st.Calls != 9 || st.Lines != 3 || st.Bytes != int64(len(in)) {
		t.Errorf("stats %+v", st)
	}
	// x86_64: 0 read, 1 write, 59 execve, 257 openat.
	names, _, err = adfaNames(t, "0 1 59 257", ArchX8664)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "read write execve openat" {
		t.Errorf("x86_64: got %s", got)
	}
}

func TestParseADFAErrors(t *testing.T) {
	for _, tc := range []struct {
		in        string
		line, col int
	}{
		{"3 4 x5", 1, 5},
		{"3 4\n 5 -6", 2, 4},
		{"3\n\n12345678901234567890", 3, 1},
		{"1 2 3 " + strings.Repeat("9", 100), 1, 7},
		{"1 2 3.5", 1, 5},
	} {
		names, _, err := adfaNames(t, tc.in, ArchI386)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != int64(tc.line) || pe.Col != tc.col {
			t.Errorf("%q: err %v after %v, want *ParseError at %d:%d", tc.in, err, names, tc.line, tc.col)
		}
	}
}

func TestParseADFAEmpty(t *testing.T) {
	names, st, err := adfaNames(t, " \n\t\n", ArchI386)
	if err != nil || len(names) != 0 || st.Lines != 2 {
		t.Errorf("names %v, stats %+v, err %v", names, st, err)
	}
}

func TestParseArch(t *testing.T) {
	for s, want := range map[string]Arch{"i386": ArchI386, "x86_64": ArchX8664} {
		a, err := ParseArch(s)
		if err != nil || a != want || a.String() != s {
			t.Errorf("ParseArch(%q) = %v, %v", s, a, err)
		}
	}
	if _, err := ParseArch("arm"); err == nil {
		t.Error("ParseArch(arm) succeeded")
	}
}

// TestParseADFANameBound: a trace may use MaxNames distinct numbers; the
// next new one is a *ParseError at its position, so the parser's table of
// names stays bounded (numbers go up to 2^20, each a new name).
func TestParseADFANameBound(t *testing.T) {
	var b strings.Builder
	for n := range MaxNames {
		fmt.Fprintf(&b, "%d ", n)
	}
	b.WriteString("3 1000\n")
	names, st, err := adfaNames(t, b.String(), ArchI386)
	if err != nil || len(names) != MaxNames+2 || st.Calls != MaxNames+2 {
		t.Fatalf("%d names, err %v", len(names), err)
	}
	in := b.String() + "3 4 999999"
	_, st, err = adfaNames(t, in, ArchI386)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Col != 5 || !strings.Contains(err.Error(), "more than 1024 distinct") {
		t.Fatalf("err %v, want a *ParseError at line 2, column 5", err)
	}
	if st.Calls != MaxNames+4 {
		t.Errorf("%d calls before the error", st.Calls)
	}
}
