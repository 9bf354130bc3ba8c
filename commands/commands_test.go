package commands

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `# benign invocations
ls -l /usr/bin

sort -u '/etc/passwd'   # a comment after
grep -c "root:x" /etc/group
printf '%s\n' "two words" 'it'\''s' a\ b ""
tar --list \
    -f /tmp/x.tar
echo "*.go" '~' \*
`
	got, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []Command{
		{2, "ls -l /usr/bin", []string{"ls", "-l", "/usr/bin"}},
		{4, "sort -u '/etc/passwd'", []string{"sort", "-u", "/etc/passwd"}},
		{5, `grep -c "root:x" /etc/group`, []string{"grep", "-c", "root:x", "/etc/group"}},
		{6, `printf '%s\n' "two words" 'it'\''s' a\ b ""`, []string{"printf", `%s\n`, "two words", "it's", "a b", ""}},
		{7, "tar --list -f /tmp/x.tar", []string{"tar", "--list", "-f", "/tmp/x.tar"}},
		{9, `echo "*.go" '~' \*`, []string{"echo", "*.go", "~", "*"}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d commands, want %d: %#v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Line != want[i].Line || got[i].Name != want[i].Name || !slices.Equal(got[i].Argv, want[i].Argv) {
			t.Errorf("command %d = %#v, want %#v", i, got[i], want[i])
		}
	}
}

// Anything that needs a shell is refused with its line.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"ls\nls | wc -l\n", "line 2: not a plain command"},
		{"cat /etc/hostname > /tmp/x\n", "line 1: redirections are not supported"},
		{"echo $HOME\n", "line 1: variables, command substitutions"},
		{"echo \"$(id)\"\n", "line 1: variables, command substitutions"},
		{"ls *.go\n", `line 1: the word "*.go" needs a shell`},
		{"ls ~/x\n", `line 1: the word "~/x" needs a shell`},
		{"A=1 env\n", "line 1: variable assignments"},
		{"ls; pwd\n", "line 1: one command per line"},
		{"sleep 1 &\n", "line 1: not a plain command"},
		{"if true; then ls; fi\n", "line 1: not a plain command"},
		{"echo 'open\n", "line 1: reached EOF without closing quote"},
		{"echo $'a\\tb'\n", "line 1: $'...' quoting"},
		{"echo a\x00b\n", "NUL byte"},
	} {
		_, err := Parse(strings.NewReader(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", c.src, err, c.want)
		}
		var le *Error
		if strings.HasPrefix(c.want, "line") && !errors.As(err, &le) {
			t.Errorf("Parse(%q): %v is not a line error", c.src, err)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	got, err := Parse(strings.NewReader("# nothing\n\n"))
	if err != nil || len(got) != 0 {
		t.Errorf("Parse of comments only = %v, %v", got, err)
	}
}

// FuzzParse: any input gives commands or an error, never a panic; every
// command has at least one word and a one-line name within bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"ls -l /usr\n", "echo 'a b' \"c\" d\\ e\n# x\n", "a \\\n b\n", "ls | wc\n", "echo $'x'", "\"", "x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		cmds, err := Parse(strings.NewReader(src))
		if err != nil {
			return
		}
		for _, c := range cmds {
			if len(c.Argv) == 0 || c.Line < 1 || strings.ContainsAny(c.Name, "\n") || len(c.Name) > MaxName {
				t.Errorf("command %#v from %q", c, src)
			}
		}
	})
}
