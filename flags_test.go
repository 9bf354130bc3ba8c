package main

import (
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// TestFlagsDeclaredOnce: a flag declared in flags.go for several commands
// has there its one help text, and no command declares it again with
// another (--timeout, --max-trace, --max-memory and --no-sandbox were once
// declared apart for trace, --duration and --poll for monitor and train).
func TestFlagsDeclaredOnce(t *testing.T) {
	shared := map[string]string{}
	var decl []cli.Flag
	decl = append(decl, execFlags()...)
	decl = append(decl, inputFlags()...)
	decl = append(decl, durationFlag(time.Minute, ""), pollFlag(), csvRawFlag())
	for _, f := range decl {
		if f.Names()[0] == "tracer" {
			continue // its text names what each command traces
		}
		shared[f.Names()[0]] = f.(cli.DocGenerationFlag).GetUsage()
	}
	for _, name := range []string{"timeout", "max-trace", "max-memory", "no-sandbox", "duration", "poll"} {
		if shared[name] == "" {
			t.Errorf("--%s is not declared in flags.go", name)
		}
	}
	n := map[string]int{}
	for _, c := range manCommands(newApp()) {
		for _, f := range c.flags {
			name := f.Names()[0]
			want, ok := shared[name]
			if !ok {
				continue
			}
			n[name]++
			if got := f.(cli.DocGenerationFlag).GetUsage(); got != want {
				t.Errorf("detector %s --%s has its own help text %q, not flags.go's %q", c.name, name, got, want)
			}
		}
	}
	for _, name := range []string{"timeout", "max-trace", "max-memory", "no-sandbox", "duration", "poll"} {
		if n[name] < 2 {
			t.Errorf("--%s is taken by %d commands, want several", name, n[name])
		}
	}
}
