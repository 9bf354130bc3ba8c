package trace

import (
	"fmt"
	"strings"
	"testing"
)

func TestUnquote(t *testing.T) {
	for _, tc := range []struct {
		in            string
		want          string
		truncated, ok bool
	}{
		{`"/etc/passwd"`, "/etc/passwd", false, true},
		{`""`, "", false, true},
		{`"a\tb\n\"c\"\\"`, "a\tb\n\"c\"\\", false, true},
		{`"\177ELF\2\1\1\0"...`, "\x7fELF\x02\x01\x01\x00", true, true},
		{`"\x41\x7a\0011"`, "Az\x011", false, true},
		{`"abc"...`, "abc", true, true},
		{`NULL`, "", false, false},
		{`"abc`, "", false, false},
		{`"a"b"`, "", false, false},
		{`"\x4"`, "", false, false},
		{`"\q"`, "", false, false},
		{`"\777"`, "", false, false},
		{`"\"`, "", false, false},
	} {
		s, tr, ok := Unquote(tc.in)
		if s != tc.want || tr != tc.truncated || ok != tc.ok {
			t.Errorf("Unquote(%s) = %q, %v, %v; want %q, %v, %v", tc.in, s, tr, ok, tc.want, tc.truncated, tc.ok)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	e := newParseError(12, 3, []byte(strings.Repeat("x", 200)), fmt.Errorf("bad thing"))
	msg := e.Error()
	if !strings.HasPrefix(msg, "line 12, column 3: bad thing: \"xxx") || len(e.Text) != maxErrText {
		t.Errorf("message %q", msg)
	}
}

// ExampleParseStrace counts the calls of a small strace -f log and reads the
// path that each execve and openat was given.
func ExampleParseStrace() {
	log := `4100  execve("/bin/sh", ["sh", "-c", "cat /etc/hostname"], 0x7ffd /* 25 vars */) = 0
4100  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
4101  read(3,  <unfinished ...>
4100  openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
4101  <... read resumed>"host\n", 4096) = 5
4100  exit_group(0)                     = ?
4100  +++ exited with 0 +++
`
	st, err := ParseStrace(strings.NewReader(log), func(c *Call) error {
		switch c.Name {
		case "execve":
			path, _, _ := Unquote(c.Arg(0))
			fmt.Println(c.PID, c.Name, path)
		case "openat":
			path, _, _ := Unquote(c.Arg(1))
			fmt.Println(strings.TrimSpace(fmt.Sprint(c.PID, " ", c.Name, " ", path, " = ", c.Ret, " ", c.Errno)))
		default:
			fmt.Println(c.PID, c.Name, c.Ret, c.RetKnown)
		}
		return nil
	})
	fmt.Printf("%d calls, %d exits, err %v\n", st.Calls, st.Exits, err)
	// Output:
	// 4100 execve /bin/sh
	// 4100 openat /etc/ld.so.cache = 3
	// 4100 openat /nope = -1 ENOENT
	// 4101 read 5 true
	// 4100 exit_group 0 false
	// 5 calls, 1 exits, err <nil>
}

// ArgView is Arg without the copy, argument for argument.
func TestArgView(t *testing.T) {
	for _, args := range []string{
		``,
		` 3</etc/passwd>, "a, (b)", 4096 `,
		`AT_FDCWD</home/u>, "x", O_RDONLY|O_CLOEXEC`,
		`"/usr/bin/sh", ["sh", "-c", "echo a, b"], 0x7ffd /* 42 vars */`,
		`4<TCP:[1.2.3.4:5->6.7.8.9:10]>, {sa_family=AF_INET, sin_port=htons(80)}, 16`,
		`{a, b)`,
	} {
		c := &Call{Name: "x", args: []byte(args)}
		for i := -1; i < 6; i++ {
			if got, want := c.ArgView(i), c.Arg(i); got != want {
				t.Errorf("%q: ArgView(%d) = %q, Arg = %q", args, i, got, want)
			}
		}
	}
}
