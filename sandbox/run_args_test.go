package sandbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunArgumentFiles: any command line can be traced. An argument naming
// a file the sandbox shows as the host has it (/etc/shadow, /proc/meminfo,
// /dev/null) or one the sandbox's user may not read is left as the sandbox
// shows it: the run starts, and the program's own attempt is in the trace.
// A readable file elsewhere is still put in at its path.
func TestRunArgumentFiles(t *testing.T) {
	sandboxOrSkip(t)
	dir := t.TempDir()
	open := filepath.Join(dir, "open.txt")
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(open, []byte("shown\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("never shown\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cat, err := filepath.Abs("/bin/cat")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		arg, call string // the argument and what its openat shows in the trace
		out       string // the program's output, "" for none
	}{
		{"/proc/meminfo", `"/proc/meminfo", O_RDONLY) = `, "MemTotal:"},
		{"/proc/cpuinfo", `"/proc/cpuinfo", O_RDONLY) = `, "processor"},
		{"/proc/version", `"/proc/version", O_RDONLY) = `, "Linux"},
		{"/dev/null", `"/dev/null", O_RDONLY) = `, ""},
		{"/etc/passwd", `"/etc/passwd", O_RDONLY) = `, "root:"},
		{open, `"` + open + `", O_RDONLY) = `, "shown"},
	}
	if os.Getuid() == 0 {
		// As root the sandbox's user is nobody: root's 0640 and 0600 files
		// are not handed to it.
		cases = append(cases,
			struct{ arg, call, out string }{"/etc/shadow", `"/etc/shadow", O_RDONLY) = -1 EACCES`, ""},
			struct{ arg, call, out string }{secret, `"` + secret + `", O_RDONLY) = -1 `, ""})
	}
	for _, c := range cases {
		var trace bytes.Buffer
		res, err := Run(context.Background(), RunOptions{}, []string{cat, c.arg}, &trace)
		if err != nil {
			t.Errorf("cat %s: %v", c.arg, err)
			continue
		}
		if !strings.Contains(trace.String(), c.call) {
			t.Errorf("cat %s: the trace lacks %s:\n%.3000s", c.arg, c.call, trace.String())
		}
		if !strings.Contains(string(res.Stdout), c.out) || strings.Contains(string(res.Stdout), "never shown") {
			t.Errorf("cat %s: output %q, want %q", c.arg, res.Stdout, c.out)
		}
	}
}

// A file that cannot be shown in the sandbox is no reason to drop the
// isolation: the error does not suggest --no-sandbox.
func TestPlacementErrorNoNoSandboxHint(t *testing.T) {
	e := &SandboxError{Reason: "place /x/prog in the sandbox: bind /x/prog: permission denied"}
	if strings.Contains(e.Error(), "--no-sandbox") {
		t.Errorf("placement error %q suggests --no-sandbox", e.Error())
	}
	// Which advice each failure gets (namespaces: the sysctl settings and
	// --no-sandbox with its caveat) is main's hint, TestSandboxAdvice.
}
