package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateMan = flag.Bool("update-man", false, "rewrite doc/detector.1 from the command definitions")

// manPage is where the generated man page is kept.
const manFile = "doc/detector.1"

// TestManPage keeps doc/detector.1 equal to the man page generated from
// the command definitions (`detector man` prints it; `go test -run
// TestManPage -update-man .` rewrites the file), and checks that it has
// every section, a one-line synopsis per command, and every flag of every
// command documented under it.
func TestManPage(t *testing.T) {
	app := newApp()
	got := manPage(app)
	if *updateMan {
		if err := os.MkdirAll("doc", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(manFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(manFile)
	if err != nil {
		t.Fatalf("%v: run go test -run TestManPage -update-man .", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: run go test -run TestManPage -update-man .", manFile)
	}
	if r := run(t, nil, "man"); r.code != 0 || r.stdout != got {
		t.Errorf("detector man: %d, %d bytes, want the generated page\n%s", r.code, len(r.stdout), r.stderr)
	}
	last := -1
	for _, sec := range manSections {
		i := strings.Index(got, "\n.SH "+sec+"\n")
		if i < 0 {
			t.Errorf("the man page lacks the section %s", sec)
		} else if i < last {
			t.Errorf("the man page's section %s is out of order", sec)
		}
		last = max(last, i)
	}
	syn := got[strings.Index(got, ".SH SYNOPSIS"):strings.Index(got, ".SH DESCRIPTION")]
	cmds := manCommands(app)
	if n := strings.Count(syn, "\n\\fBdetector "); n != len(cmds)+2 {
		t.Errorf("the synopsis has %d lines, want one per command (%d) and the --train and --detect spellings:\n%s", n, len(cmds), syn)
	}
	for _, env := range []string{"DETECTOR_MODEL", "XDG_DATA_HOME", "NO_COLOR", "COLUMNS"} {
		if !strings.Contains(got, ".TP\n"+env+"\n") {
			t.Errorf("ENVIRONMENT does not describe %s", env)
		}
	}
	// Every flag of every command, under its command's heading.
	for k, c := range cmds {
		start := strings.Index(got, ".SS \"detector "+roff(c.name)+" ")
		if start < 0 {
			t.Errorf("no heading for %s", c.name)
			continue
		}
		end := strings.Index(got[start+1:], ".SS ")
		if k == len(cmds)-1 || end < 0 {
			end = len(got) - start - 1
		}
		body := got[start : start+1+end]
		for _, f := range c.flags {
			name := f.Names()[0]
			dash := "\\-\\-"
			if len(name) == 1 {
				dash = "\\-"
			}
			if !strings.Contains(body, ".TP\n\\fB"+dash+roff(name)+"\\fR") {
				t.Errorf("%s: the flag --%s is not documented", c.name, name)
			}
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
