package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateMan = flag.Bool("update-man", false, "rewrite doc/detector.1 from the command definitions")

// manPage is where the generated man page is kept.
const manPage = "doc/detector.1"

// TestManPage keeps doc/detector.1 equal to the man page generated from
// the command definitions; `go test -run TestManPage -update-man .`
// rewrites it.
func TestManPage(t *testing.T) {
	got, err := newApp().ToManWithSection(1)
	if err != nil {
		t.Fatal(err)
	}
	if *updateMan {
		if err := os.MkdirAll("doc", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(manPage, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatalf("%v: run go test -run TestManPage -update-man .", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: run go test -run TestManPage -update-man .", manPage)
	}
	for _, s := range []string{"train", "detect", "--algorithm", "--fail-on"} {
		if !strings.Contains(got, s) {
			t.Errorf("the man page lacks %q", s)
		}
	}
}

// The completion scripts name the commands and their flags, and the bash
// one is valid bash.
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := run(t, nil, "completion", sh)
		if r.code != 0 || !strings.Contains(r.stdout, "detect") || !strings.Contains(r.stdout, "algorithm") {
			t.Errorf("%s: %d %s %s", sh, r.code, r.stdout[:min(len(r.stdout), 200)], r.stderr)
		}
	}
	wantError(t, run(t, nil, "completion", "tcsh"), "no completion for shell")
}
