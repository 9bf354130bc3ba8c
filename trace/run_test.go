package trace

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// sandboxOrSkip skips the test when this machine cannot build the sandbox.
func sandboxOrSkip(t *testing.T) {
	t.Helper()
	if err := CheckSandbox(); err != nil {
		var se *SandboxError
		if errors.As(err, &se) {
			t.Skipf("no sandbox here: %v", err)
		}
		t.Fatalf("CheckSandbox: %v", err)
	}
}

func TestRunBasic(t *testing.T) {
	sandboxOrSkip(t)
	for _, noSandbox := range []bool{false, true} {
		var trace bytes.Buffer
		opts := RunOptions{NoSandbox: noSandbox}
		res, err := Run(context.Background(), opts, []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, &trace)
		if err != nil {
			t.Fatalf("NoSandbox=%v: Run: %v", noSandbox, err)
		}
		if res.ExitCode != 3 || res.TimedOut || res.Truncated {
			t.Errorf("NoSandbox=%v: result %+v, want exit code 3", noSandbox, res)
		}
		if string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" {
			t.Errorf("NoSandbox=%v: stdout %q stderr %q, want \"out\\n\" and \"err\\n\"", noSandbox, res.Stdout, res.Stderr)
		}
		if !strings.Contains(trace.String(), `execve("/bin/sh", ["/bin/sh", "-c", `) || !strings.Contains(trace.String(), "exit_group(3)") {
			t.Errorf("NoSandbox=%v: trace lacks the execve or exit_group call:\n%.1000s", noSandbox, trace.String())
		}
		if strings.Contains(trace.String(), "echo err") && strings.Contains(trace.String(), "\nerr\n") {
			t.Errorf("NoSandbox=%v: program stderr mixed into the trace", noSandbox)
		}
	}
}
