package trace

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchScript is the short program timed by BenchmarkRun.
const benchScript = "ls /usr/bin | sort | sha256sum"

// BenchmarkRun times one traced run of a short shell pipeline: in the sandbox,
// with NoSandbox, and as plain "strace -f -o FILE" started directly, the
// baseline the sandbox's overhead is measured against.
func BenchmarkRun(b *testing.B) {
	argv := []string{"/bin/sh", "-c", benchScript}
	strace, err := exec.LookPath("strace")
	if err != nil {
		b.Skip("strace not installed")
	}
	b.Run("PlainStrace", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "trace")
		for b.Loop() {
			cmd := exec.Command(strace, append([]string{"-f", "-qq", "-s", "256", "-o", out}, argv...)...)
			if err := cmd.Run(); err != nil {
				b.Fatalf("plain strace: %v", err)
			}
		}
	})
	for _, c := range []struct {
		name string
		opts RunOptions
	}{{"Sandbox", RunOptions{}}, {"NoSandbox", RunOptions{NoSandbox: true}}} {
		b.Run(c.name, func(b *testing.B) {
			if !c.opts.NoSandbox {
				if err := CheckSandbox(); err != nil {
					b.Skipf("no sandbox here: %v", err)
				}
			}
			for b.Loop() {
				res, err := Run(context.Background(), c.opts, argv, io.Discard)
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("Run: %+v, %v", res, err)
				}
			}
		})
	}
	_ = os.Stdout
}
