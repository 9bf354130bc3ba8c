package observe

import (
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"detector/trace"
)

func record(t *testing.T, file string) *Sample {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r Recorder
	if _, err := trace.ParseEvents(f, r.Event); err != nil {
		t.Fatal(err)
	}
	return r.Sample()
}

// A captured sh -c run: sh starts cat and python3, which reads
// /etc/passwd and connects to loopback port 9; sh creates out.txt in the
// home folder, written as "~".
func TestRecordCapture(t *testing.T) {
	s := record(t, "testdata/sh-cat-python.strace")
	byProg := map[string]Process{}
	for _, p := range s.Procs {
		byProg[p.Program] = p
	}
	sh, ok := byProg["/usr/bin/sh"]
	if !ok {
		t.Fatalf("no sh image in %+v", s.Procs)
	}
	for _, want := range []string{"exec /usr/bin/cat", "child /usr/bin/cat", "child /usr/bin/python3", "create ~/out.txt"} {
		if !slices.Contains(sh.Items, want) {
			t.Errorf("sh lacks %q: %q", want, sh.Items)
		}
	}
	cat := byProg["/usr/bin/cat"]
	if !slices.Contains(cat.Items, "read /etc/passwd") || cat.Parent < 0 || s.Procs[cat.Parent].Program != "/usr/bin/sh" {
		t.Errorf("cat: %+v", cat)
	}
	py := byProg["/usr/bin/python3"]
	if !slices.Contains(py.Items, "connect inet loopback:9") {
		t.Errorf("python3 lacks its connect: %q", py.Items)
	}
	if !slices.Contains(py.Calls, "connect") {
		t.Errorf("python3 calls: %q", py.Calls)
	}
}

func TestTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"/run/detector/home/out.txt":          "~/out.txt",
		"/home/alice/.ssh/id_rsa":             "~/.ssh/id_rsa",
		"/root/.bashrc":                       "~/.bashrc",
		"/proc/1234/status":                   "/proc/#/status",
		"/tmp/tmp.Xa81kQz0/file":              "/tmp/*/file",
		"/tmp/evil.sh":                        "/tmp/evil.sh",
		"/var/cache/x/deadbeef1234cafe.db":    "/var/cache/x/#.db",
		"/usr/lib/x86_64-linux-gnu/libc.so.6": "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/var/log/app-20261206.log":           "/var/log/app-#.log",
		"./a/b":                               "./a/b",
	} {
		if got := Template(in); got != want {
			t.Errorf("Template(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Template("/" + strings.Repeat("a", 2*MaxPathLen)); len(got) != MaxPathLen || !strings.HasSuffix(got, "...") {
		t.Errorf("long path: %d bytes", len(got))
	}
}

func TestAddress(t *testing.T) {
	for in, want := range map[string]string{
		`{sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}`:                                                    "inet loopback:9",
		`{sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}`:                                              "inet public:443",
		`{sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.1.2.3")}`:                                                    "inet private:53",
		`{sa_family=AF_INET6, sin6_port=htons(22), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}`: "inet6 loopback:22",
		`{sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}`:                                                                "unix /run/dbus/system_bus_socket",
		`0x7ffc`: "",
	} {
		if got := Address(in); got != want {
			t.Errorf("Address(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdentity(t *testing.T) {
	if got := Identity("/usr/bin/python3.11", []string{"python3", "/run/detector/home/x.py"}, ""); got != "/usr/bin/python3.11 ~/x.py" {
		t.Errorf("script: %q", got)
	}
	if got := Identity("/usr/bin/sh", []string{"sh", "-c", "ls"}, ""); got != "/usr/bin/sh" {
		t.Errorf("sh -c: %q", got)
	}
	if got := Identity("/usr/bin/cat", []string{"cat", "x"}, ""); got != "/usr/bin/cat" {
		t.Errorf("cat: %q", got)
	}
	// An interpreter given no program on its command line reads it from
	// its input.
	for _, c := range []struct {
		exe  string
		argv []string
		want string
	}{
		{"/usr/bin/sh", []string{"sh"}, "/usr/bin/sh -"},
		{"/usr/bin/bash", []string{"bash", "-i"}, "/usr/bin/bash -"},
		{"/usr/bin/bash", []string{"bash", "-e"}, "/usr/bin/bash -"},
		{"/usr/bin/sh", []string{"sh", "-"}, "/usr/bin/sh -"},
		{"/usr/bin/sh", []string{"sh", "-ec", "ls"}, "/usr/bin/sh"},
		{"/usr/bin/sh", []string{"sh", "-s", "--", "x"}, "/usr/bin/sh"},
		{"/usr/bin/python3", []string{"python3"}, "/usr/bin/python3 -"},
		{"/usr/bin/python3", []string{"python3", "-m", "http.server"}, "/usr/bin/python3"},
		{"/usr/bin/python3", []string{"python3", "-u", "-c", "print(1)"}, "/usr/bin/python3"},
		{"/usr/bin/perl", []string{"perl", "-e", "print 1"}, "/usr/bin/perl"},
		{"/usr/bin/perl", []string{"perl"}, "/usr/bin/perl -"},
		{"/usr/bin/node", []string{"node", "--eval=1"}, "/usr/bin/node"},
		{"/usr/bin/awk", []string{"awk"}, "/usr/bin/awk"},
		{"/usr/bin/sh", nil, "/usr/bin/sh"},
	} {
		if got := Identity(c.exe, c.argv, ""); got != c.want {
			t.Errorf("%q: %q, want %q", c.argv, got, c.want)
		}
	}
}

// Hostile input: a trace with more processes and items than the bounds
// keeps no more than the bounds and counts the rest.
func TestRecordBounds(t *testing.T) {
	var r Recorder
	for pid := 1; pid <= MaxProcesses+10; pid++ {
		c := trace.NewCall(pid, "openat", `AT_FDCWD</>, "/x", O_RDONLY`, 3, true, "")
		if err := r.Event(&trace.Event{Kind: trace.EventCall, PID: pid, Call: c}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < MaxItems+10; i++ {
		c := trace.NewCall(1, "openat", `AT_FDCWD</>, "/f`+strings.Repeat("x", i%50)+`/`+string(rune('a'+i%26))+strings.Repeat("y", i/26)+`", O_RDONLY`, 3, true, "")
		r.Event(&trace.Event{Kind: trace.EventCall, PID: 1, Call: c})
	}
	s := r.Sample()
	if len(s.Procs) != MaxProcesses || s.Dropped == 0 {
		t.Fatalf("%d images, %d dropped", len(s.Procs), s.Dropped)
	}
	if n := len(s.Procs[0].Items); n > MaxItems {
		t.Fatalf("%d items", n)
	}
}

// A captured sh -c run where strace printed each child's execve before
// the vfork that made it returned in sh: chmod's and ls's calls are their
// own, not sh's, and sh started them.
func TestRecordEarlyExec(t *testing.T) {
	s := record(t, "testdata/sh-vfork-early-exec.strace")
	byProg := map[string]Process{}
	for _, p := range s.Procs {
		q := byProg[p.Program]
		p.Items = append(p.Items, q.Items...) // sh's forked copies are sh too
		byProg[p.Program] = p
	}
	sh := byProg["/usr/bin/sh"]
	for _, it := range sh.Items {
		if strings.Contains(it, "locale") || strings.Contains(it, "rel") {
			t.Errorf("sh has its children's item %q", it)
		}
	}
	for _, want := range []string{"child /usr/bin/cp", "child /usr/bin/chmod", "child /usr/bin/ls", "exec /usr/bin/ls"} {
		if !slices.Contains(sh.Items, want) {
			t.Errorf("sh lacks %q: %q", want, sh.Items)
		}
	}
	ls, ok := byProg["/usr/bin/ls"]
	if !ok || ls.Parent < 0 || s.Procs[ls.Parent].Program != "/usr/bin/sh" || len(s.Procs) != 4 {
		t.Fatalf("ls: %+v", ls)
	}
	if !slices.ContainsFunc(ls.Items, func(it string) bool { return strings.HasPrefix(it, "probe /usr/share/locale/") }) {
		t.Errorf("ls lacks its locale lookups: %q", ls.Items)
	}
}

func recordText(t *testing.T, text string) *Sample {
	t.Helper()
	var r Recorder
	if _, err := trace.ParseEvents(strings.NewReader(text), r.Event); err != nil {
		t.Fatal(err)
	}
	return r.Sample()
}

// A folder opened to read its entries is listed, not read; a program the
// sample created in its working folder and then ran is known by the
// folder and Built, whatever its name (it is executed by a relative name
// here, created by a full one); one created in /tmp keeps its name.
func TestRecordListAndBuilt(t *testing.T) {
	s := recordText(t, `10 1.0 execve("/usr/bin/sh", ["sh", "-c", "x"], 0x0 /* 0 vars */) = 0
10 1.1 openat(AT_FDCWD</run/detector/home>, "/usr/share/doc", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3</usr/share/doc>
10 1.2 openat(AT_FDCWD</run/detector/home>, "a7", O_RDWR|O_CREAT|O_TRUNC, 0666) = 3</run/detector/home/a7>
10 1.3 openat(AT_FDCWD</run/detector/home>, "/tmp/x", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</tmp/x>
10 1.4 vfork() = 11
11 1.5 execve("./a7", ["./a7"], 0x0 /* 0 vars */) = 0
11 1.6 exit_group(0) = ?
11 1.7 +++ exited with 0 +++
10 1.8 vfork() = 12
12 1.9 execve("/tmp/x", ["/tmp/x"], 0x0 /* 0 vars */) = 0
12 2.0 exit_group(0) = ?
12 2.1 +++ exited with 0 +++
`)
	if len(s.Procs) != 3 {
		t.Fatalf("images %+v", s.Procs)
	}
	sh := s.Procs[0]
	for _, want := range []string{"list /usr/share/doc", "child ./" + Built, "exec ./" + Built, "child /tmp/x", "create ~/a7", "create /tmp/x"} {
		if !slices.Contains(sh.Items, want) {
			t.Errorf("sh lacks %q: %q", want, sh.Items)
		}
	}
	if s.Procs[1].Program != "./"+Built || s.Procs[2].Program != "/tmp/x" {
		t.Errorf("programs %q and %q", s.Procs[1].Program, s.Procs[2].Program)
	}
}

// FuzzRecord feeds any trace to a Recorder: it never panics, and the
// sample's images name parents among them and stay within the bounds.
func FuzzRecord(f *testing.F) {
	for _, name := range []string{"testdata/sh-cat-python.strace", "testdata/sh-vfork-early-exec.strace"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("11 1.0 execve(\"./a\", [\"./a\"], 0x0 /* 0 vars */) = 0\n10 1.1 vfork() = 11\n11 1.2 +++ exited with 0 +++\n11 1.3 vfork() = 10\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Recorder
		trace.ParseEvents(strings.NewReader(string(data)), r.Event)
		s := r.Sample()
		if len(s.Procs) > MaxProcesses {
			t.Fatalf("%d images", len(s.Procs))
		}
		for i, p := range s.Procs {
			if p.Parent < -1 || p.Parent >= len(s.Procs) || p.Parent == i {
				t.Fatalf("image %d has parent %d of %d", i, p.Parent, len(s.Procs))
			}
			if len(p.Items) > MaxItems+2*MaxProcesses || len(p.Calls) > MaxCalls {
				t.Fatalf("image %d: %d items, %d calls", i, len(p.Items), len(p.Calls))
			}
		}
	})
}

// With Digest, every executable's item and identity carry its digest (an
// interpreter's, before its script), asked once per path; a program built
// in the working folder stays Built; an unreadable one is "?".
func TestRecordDigest(t *testing.T) {
	asked := map[string]int{}
	r := Recorder{Digest: func(p string) string {
		asked[p]++
		if p == "/usr/bin/python3" {
			return ""
		}
		return "d-" + path.Base(p)
	}}
	text := `10 1.0 execve("/usr/bin/sh", ["sh", "-c", "x"], 0x0 /* 0 vars */) = 0
10 1.2 openat(AT_FDCWD</run/detector/home>, "a7", O_RDWR|O_CREAT|O_TRUNC, 0666) = 3</run/detector/home/a7>
10 1.4 vfork() = 11
11 1.5 execve("./a7", ["./a7"], 0x0 /* 0 vars */) = 0
11 1.6 exit_group(0) = ?
11 1.7 +++ exited with 0 +++
10 1.8 vfork() = 12
12 1.9 execve("/usr/bin/python3", ["python3", "/run/detector/home/r.py"], 0x0 /* 0 vars */) = 0
12 2.0 exit_group(0) = ?
12 2.1 +++ exited with 0 +++
10 2.2 vfork() = 13
13 2.3 execve("/usr/bin/sh", ["sh", "-c", "y"], 0x0 /* 0 vars */) = 0
13 2.4 exit_group(0) = ?
13 2.5 +++ exited with 0 +++
`
	if _, err := trace.ParseEvents(strings.NewReader(text), r.Event); err != nil {
		t.Fatal(err)
	}
	s := r.Sample()
	var progs []string
	for _, p := range s.Procs {
		progs = append(progs, p.Program)
	}
	want := []string{"/usr/bin/sh@sha256:d-sh", "./" + Built, "/usr/bin/python3@sha256:? ~/r.py", "/usr/bin/sh@sha256:d-sh"}
	if !slices.Equal(progs, want) {
		t.Fatalf("programs %q, want %q", progs, want)
	}
	if !slices.Contains(s.Procs[0].Items, "exec /usr/bin/python3@sha256:?") || !slices.Contains(s.Procs[0].Items, "child /usr/bin/python3@sha256:? ~/r.py") {
		t.Errorf("sh's items lack the keyed python3: %q", s.Procs[0].Items)
	}
	if asked["/usr/bin/sh"] != 1 || len(asked) != 2 {
		t.Errorf("digests asked %v, want sh and python3 once each", asked)
	}
	if p, d := SplitDigest(want[2]); p != "/usr/bin/python3 ~/r.py" || d != "?" {
		t.Errorf("SplitDigest: %q %q", p, d)
	}
	if p, d := SplitDigest("/usr/bin/cat"); p != "/usr/bin/cat" || d != "" {
		t.Errorf("SplitDigest of a path: %q %q", p, d)
	}
}
