package rules_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"detector/hint"
	"detector/rules"
)

func ruleIDs(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	sort.Strings(out)
	return out
}

// TestAllowList: each form of entry removes exactly its findings from the
// recorded dropper_tmp run.
func TestAllowList(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("testdata", "traces", "suspicious", "dropper_tmp.trace.gz")
	all := ruleIDs(judge(t, set, file, rules.Options{}))
	if want := []string{"exec-temp-dir", "exec-written-file", "listen-socket", rules.CombinedRule, "self-delete"}; !slices.Equal(all, want) {
		t.Fatalf("findings without allow-list %v, want %v", all, want)
	}
	rm, _ := os.ReadFile("/usr/bin/rm")
	rmSum := sha256.Sum256(rm)
	sample := strings.Repeat("ab", 32)
	cases := []struct {
		entry   string
		removed []string
	}{
		{"rule: listen-socket", []string{"listen-socket"}},
		{"exe: /usr/bin/rm", []string{"self-delete"}},
		// One WARNING rule left: allow-listed hits never escalate.
		{"exe_prefix: /src/detector/fixtures/", []string{"exec-temp-dir", "exec-written-file", rules.CombinedRule}},
		{"parent: /tmp/.oNxaEwqyMG", []string{"self-delete"}},
		{"parent_sha256: " + strings.Repeat("0", 64), nil},
		{"rule: exec-temp-dir\n    exe_prefix: /src/", []string{"exec-temp-dir"}},
		{"rule: exec-temp-dir\n    parent: /usr/sbin/nginx", nil},
		{"sha256: " + sample, all},
		{"sha256: " + strings.ToUpper(sample) + "\n    rule: self-delete", []string{"self-delete"}},
		{"sha256: " + strings.Repeat("0", 64), nil},
	}
	if len(rm) > 0 {
		cases = append(cases, struct {
			entry   string
			removed []string
		}{"sha256: " + hex.EncodeToString(rmSum[:]), []string{"self-delete"}})
	}
	for _, c := range cases {
		a := &rules.AllowList{}
		if err := a.Load("allow.yaml", []byte("allow:\n  - "+c.entry+"\n    comment: test\n"), set); err != nil {
			t.Fatalf("%q: %v", c.entry, err)
		}
		got := ruleIDs(judge(t, set, file, rules.Options{Allow: a, SampleSHA256: sample}))
		var want []string
		for _, id := range all {
			if !slices.Contains(c.removed, id) {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("allow %q: findings %v, want %v", c.entry, got, want)
		}
	}
}

func TestAllowListErrors(t *testing.T) {
	set, _ := rules.Default()
	for _, c := range []struct{ text, want string }{
		{"allow:\n  - comment: nothing\n", "allow.yaml:2: an allow-list entry needs"},
		{"allow:\n  - rule: no-such-rule\n", "allow.yaml:2: unknown rule"},
		{"allow:\n  - exe: relative/path\n", "allow.yaml:2: exe \"relative/path\" is not an absolute path"},
		{"allow:\n  - sha256: abc\n", "allow.yaml:2: sha256 \"abc\""},
		{"allow:\n  - user: root\n", "allow.yaml:2: unknown key \"user\""},
		{"permit: []\n", "allow.yaml:1: unknown key \"permit\""},
		{"allow:\n  - parent: cron\n", "allow.yaml:2: parent \"cron\" is a bare name"},
		{"allow:\n  - parent: sbin/cron\n", "allow.yaml:2: parent \"sbin/cron\" is a bare name"},
		{"allow:\n  - parent_sha256: 12\n", "allow.yaml:2: sha256 \"12\""},
	} {
		a := &rules.AllowList{}
		err := a.Load("allow.yaml", []byte(c.text), set)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
	err := (&rules.AllowList{}).Load("allow.yaml", []byte("allow:\n  - parent: cron\n"), set)
	if h := hint.Of(err); h != "name the executable's path, e.g. /usr/sbin/cron" {
		t.Errorf("bare parent: hint %q", h)
	}
}

// TestAllowParentSpoofed: an entry for the cron daemon's children removes
// read-shadow when /usr/sbin/cron is the parent, and not when the sample
// calls its launcher cron: a copy of a shell named cron, argv[0] cron, or
// a process that renames itself with prctl.
func TestAllowParentSpoofed(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := &rules.AllowList{}
	if err := a.Load("allow.yaml", []byte("allow:\n  - parent: /usr/sbin/cron\n    rule: read-shadow\n"), set); err != nil {
		t.Fatal(err)
	}
	const sample = "1 1.0 execve(\"/tmp/s/sample.sh\", [\"sample.sh\"], []) = 0\n" +
		"1 1.1 clone(child_stack=NULL, flags=SIGCHLD) = 2\n"
	const cat = "2 1.3 clone(child_stack=NULL, flags=SIGCHLD) = 3\n" +
		"3 1.4 execve(\"/usr/bin/cat\", [\"cat\", \"/etc/shadow\"], []) = 0\n" +
		"3 1.5 openat(AT_FDCWD, \"/etc/shadow\", O_RDONLY) = 3\n"
	for _, c := range []struct {
		name, launcher string
		allowed        bool
	}{
		{"cron", "2 1.2 execve(\"/usr/sbin/cron\", [\"/usr/sbin/cron\", \"-f\"], []) = 0\n", true},
		{"copy named cron", "2 1.2 execve(\"/tmp/s/cron\", [\"cron\"], []) = 0\n", false},
		{"copy in a cron folder", "2 1.2 execve(\"/tmp/usr/sbin/cron\", [\"/usr/sbin/cron\"], []) = 0\n", false},
		{"argv[0]", "2 1.2 execve(\"/bin/sh\", [\"cron\"], []) = 0\n", false},
		{"prctl", "2 1.2 execve(\"/bin/sh\", [\"sh\"], []) = 0\n2 1.25 prctl(PR_SET_NAME, \"cron\") = 0\n", false},
		{"no exec", "", false},
	} {
		e := set.NewEngine(rules.Options{Allow: a})
		parseInto(t, e, sample+c.launcher+cat)
		got := ruleIDs(e.Findings())
		if has := slices.Contains(got, "read-shadow"); has == c.allowed {
			t.Errorf("%s: findings %v, want read-shadow allowed %v", c.name, got, c.allowed)
		}
	}
	if !a.Allows("read-shadow", "/usr/bin/cat", "/usr/sbin/cron", "") || a.Allows("read-shadow", "/usr/bin/cat", "/tmp/cron", "") ||
		a.Allows("read-shadow", "/usr/bin/cat", "cron", "") || a.Allows("read-shadow", "/usr/bin/cat", "", "") {
		t.Error("Allows does not match the parent by its exact path")
	}
}

// TestPackageRules runs exec-unowned and exec-modified-package against a
// package database made up in a temporary folder.
func TestPackageRules(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info")
	os.Mkdir(info, 0o755)
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	owned, changed, stray := filepath.Join(bin, "owned"), filepath.Join(bin, "changed"), filepath.Join(bin, "stray")
	for _, p := range []string{owned, changed, stray} {
		os.WriteFile(p, []byte("program "+p), 0o755)
	}
	sum := md5.Sum([]byte("program " + owned))
	os.WriteFile(filepath.Join(info, "pkg.list"), []byte(owned+"\n"+changed+"\n"+bin+"\n"), 0o644)
	os.WriteFile(filepath.Join(info, "pkg.md5sums"), []byte(hex.EncodeToString(sum[:])+"  "+owned[1:]+"\n"+strings.Repeat("0", 32)+"  "+changed[1:]+"\n"), 0o644)
	// Another package lists the changed file too, without a digest: the
	// digest is looked for in every package that lists it.
	os.WriteFile(filepath.Join(info, "a-other.list"), []byte(bin+"\n"+changed+"\n"), 0o644)
	set, _ := rules.Default()
	if !set.UsesPackages() {
		t.Error("the default rules do not use the package database")
	}
	db := rules.NewPackageDB(info)
	db.Preload()
	run := func(path string) []string {
		text := "1 1.0 clone(child_stack=NULL, flags=SIGCHLD) = 2\n2 1.1 execve(\"" + path + "\", [\"x\"], []) = 0\n"
		e := set.NewEngine(rules.Options{Packages: db})
		parseInto(t, e, text)
		var out []string
		for _, id := range ruleIDs(e.Findings()) {
			if id != "exec-temp-dir" && id != rules.CombinedRule { // t.TempDir is below /tmp
				out = append(out, id)
			}
		}
		return out
	}
	if got := run(owned); len(got) != 0 {
		t.Errorf("owned, intact: %v", got)
	}
	if got := run(changed); !slices.Equal(got, []string{"exec-modified-package"}) {
		t.Errorf("owned, changed: %v", got)
	}
	if got := run(stray); !slices.Equal(got, []string{"exec-unowned"}) {
		t.Errorf("unowned: %v", got)
	}
	// The sample's own first exec never matches.
	e := set.NewEngine(rules.Options{Packages: db})
	parseInto(t, e, "1 1.0 execve(\""+stray+"\", [\"x\"], []) = 0\n")
	if got := e.Findings(); len(got) != 0 {
		t.Errorf("sample start: %v", got)
	}
	// Without the two rules the database is not needed.
	off := rules.NewSet()
	over := "rules:\n  - id: exec-unowned\n    enabled: false\n  - id: exec-modified-package\n    enabled: false\n"
	if err := off.Load(rules.DefaultFile, rules.DefaultYAML()); err != nil {
		t.Fatal(err)
	}
	if err := off.Load("over.yaml", []byte(over)); err != nil {
		t.Fatal(err)
	}
	if err := off.Compile(); err != nil {
		t.Fatal(err)
	}
	if off.UsesPackages() {
		t.Error("the package database is wanted without a rule reading it")
	}
	// No database: nothing can be told.
	if u, m := rules.NewPackageDB(filepath.Join(dir, "none")).Check(stray); u || m {
		t.Errorf("without a database: unowned %v, modified %v", u, m)
	}
}

// BenchmarkPackageDBLoad reads this machine's package database, as the
// first exec a run judges does.
func BenchmarkPackageDBLoad(b *testing.B) {
	if _, err := os.Stat(rules.DpkgInfoDir); err != nil {
		b.Skip("no Debian package database here")
	}
	for b.Loop() {
		rules.NewPackageDB("").Check("/usr/bin/true")
	}
}

// TestAllowDigestFollowsFile: an sha256 entry matches the executable at a
// path while it holds the allowed content, and no longer once another
// file replaced it there; a FIFO at the path is never read (it would
// block) and matches nothing.
func TestAllowDigestFollowsFile(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tool := filepath.Join(dir, "tool")
	allowed := []byte("#!/bin/sh\necho allowed\n")
	if err := os.WriteFile(tool, allowed, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(allowed)
	a := &rules.AllowList{}
	if err := a.Load("allow.yaml", []byte("allow:\n  - sha256: "+hex.EncodeToString(sum[:])+"\n    comment: test\n"), set); err != nil {
		t.Fatal(err)
	}
	if !a.Allows("read-shadow", tool, "", "") {
		t.Fatal("the allowed executable is not allowed")
	}
	if err := os.WriteFile(tool, []byte("#!/bin/sh\ncat /etc/shadow\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if a.Allows("read-shadow", tool, "", "") {
		t.Error("a file written over the allowed executable is allowed")
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if a.Allows("read-shadow", fifo, "", "") {
		t.Error("a FIFO matches an sha256 entry")
	}
}
