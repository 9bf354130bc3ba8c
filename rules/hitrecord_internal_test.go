package rules

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"detector/trace"
)

// The evidence a WARNING rule keeps for the escalation, in reused
// buffers, is the evidence of its hit: timestamps or none, long paths
// and arguments clipped, a relative path given and resolved.
func TestHitRecordEvidence(t *testing.T) {
	set := NewSet()
	const file = `
rules:
  - id: any-open
    severity: WARNING
    description: d
    syscalls: [openat, execve, connect]
    condition: {errno: ["", ENOENT, ECONNREFUSED]}
`
	if err := set.Load("t.yaml", []byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	long := "/" + strings.Repeat("d", 700)
	lines := []string{
		`100 1.5 openat(AT_FDCWD</home/u>, "a/../b", O_RDONLY) = 3</home/u/b>`,
		`100 openat(AT_FDCWD</home/u>, "/etc/x", O_RDONLY) = -1 ENOENT (No such file or directory)`,
		`100 2.0 openat(AT_FDCWD</home/u>, "` + long + `", O_RDONLY) = -1 ENOENT (No such file or directory)`,
		`100 2.5 openat(AT_FDCWD</home/u>, "x` + long + `", O_RDONLY) = 4</home/u/x` + long + `>`,
		`100 3.0 execve("/usr/bin/true", ["true", "` + strings.Repeat("a", 900) + `"], []) = 0`,
		`100 3.5 connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)`,
	}
	var last Evidence
	e := set.NewEngine(Options{OnHit: func(h Hit) { last = h.Evidence }})
	for _, l := range lines {
		last = Evidence{}
		if _, err := trace.ParseEvents(strings.NewReader(l+"\n"), e.Event); err != nil {
			t.Fatal(err)
		}
		st := e.states[set.byID["any-open"].idx]
		if st == nil || !st.lastHit.ok {
			t.Fatalf("%.60s: no hit recorded", l)
		}
		if got := st.lastHit.evidence(); !reflect.DeepEqual(got, last) {
			t.Errorf("%.60s: recorded evidence\n%+v\nwant\n%+v", l, got, last)
		}
	}
}

// execPath is ExecPath, and hands back the old text when it is the same.
func TestExecPath(t *testing.T) {
	for _, line := range []string{
		`1 execve("/usr/bin/python3", ["python3"], []) = 0`,
		`1 execve("/tmp/a\"b", ["x"], []) = 0`,
		`1 execveat(3</usr/bin>, "env", ["env"], [], 0) = 0`,
		`1 execveat(3</usr/bin>, "", ["env"], [], AT_EMPTY_PATH) = 0`,
		`1 execve(0x1234, ["x"], []) = -1 EFAULT (Bad address)`,
		`1 openat(AT_FDCWD, "/x", O_RDONLY) = 3`,
	} {
		_, err := trace.ParseStrace(strings.NewReader(line+"\n"), func(c *trace.Call) error {
			want := c.ExecPath()
			if got := execPath(c, ""); got != want {
				t.Errorf("%s: execPath %q, ExecPath %q", line, got, want)
			}
			old := strings.Clone(want)
			if got := execPath(c, old); got != want || want != "" && unsafe.StringData(got) != unsafe.StringData(old) {
				t.Errorf("%s: execPath with the same old text did not return it", line)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
