package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"detector/rules"
)

func TestRulesCommand(t *testing.T) {
	r := run(t, nil, "rules", "check")
	if r.code != 0 || !strings.Contains(r.stdout, "all as expected") {
		t.Fatalf("rules check: %+v", r)
	}
	r = run(t, nil, "rules", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "reverse-shell") || !strings.Contains(r.stdout, "ALERT") {
		t.Fatalf("rules list: %+v", r)
	}
	r = run(t, nil, "rules", "show", "read-shadow")
	if r.code != 0 || !strings.Contains(r.stdout, "severity: WARNING") || !strings.Contains(r.stdout, "condition:") {
		t.Fatalf("rules show: %+v", r)
	}
	wantError(t, run(t, nil, "rules", "show", "no-such-rule"), `no rule "no-such-rule"`)

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - id: read-shadow\n    severty: ALERT\n"), 0o644)
	wantError(t, run(t, nil, "rules", "check", "--rules", bad), bad+`:3: rule read-shadow: unknown key "severty"`)

	wrong := filepath.Join(dir, "wrong.yaml")
	os.WriteFile(wrong, []byte("rules:\n  - id: read-shadow\n    examples:\n      nomatch:\n        - \"1 1.0 openat(AT_FDCWD</>, \\\"/etc/shadow\\\", O_RDONLY) = 3\"\n"), 0o644)
	wantError(t, run(t, nil, "rules", "check", "--rules", wrong), wrong+":5: rule read-shadow: nomatch example hit")

	// A rule of one's own with an ATT&CK id that does not fit passes the
	// check with a warning naming the file, the line and the id.
	own := filepath.Join(dir, "own.yaml")
	os.WriteFile(own, []byte("rules:\n  - id: my-rule\n    severity: INFO\n    description: A rule of one's own.\n    tags: [T9999, T1059.004]\n    tactics: [persistence]\n    syscalls: [openat]\n    condition:\n      path: {glob: /etc/my-thing}\n"), 0o644)
	r = run(t, nil, "rules", "check", "--rules", own)
	if r.code != 0 || !strings.Contains(r.stdout, "; 2 ATT&CK warnings") ||
		!strings.Contains(r.stderr, "detector: warning: "+own+":2: rule my-rule: technique T9999 is not in the catalogue") ||
		!strings.Contains(r.stderr, "technique T1059.004 belongs to execution, none of the rule's tactics (persistence)") {
		t.Fatalf("rules check with ATT&CK problems: %+v", r)
	}
	if r := run(t, nil, "rules", "check"); !strings.Contains(r.stdout, "; 0 ATT&CK warnings") || r.stderr != "" {
		t.Fatalf("rules check of the default rules: %+v", r)
	}

	r = run(t, nil, "rules", "list", "--rules", "off")
	if r.code != 0 || strings.Contains(r.stdout, "read-shadow") {
		t.Fatalf("rules list --rules off: %+v", r)
	}
	allow := filepath.Join(dir, "allow.yaml")
	os.WriteFile(allow, []byte("allow:\n  - rule: read-shadow\n    exe_prefix: /usr/sbin/\n"), 0o644)
	r = run(t, nil, "rules", "check", "--allow", allow)
	if r.code != 0 || !strings.Contains(r.stdout, "1 allow-list entries") {
		t.Fatalf("rules check --allow: %+v", r)
	}
	os.WriteFile(allow, []byte("allow:\n  - rule: read-shadow\n    exe_prefix: usr/sbin/\n"), 0o644)
	wantError(t, run(t, nil, "rules", "check", "--allow", allow), allow+`:3: exe_prefix "usr/sbin/" is not an absolute path`)
}

// TestRulesListAttack: rules list --attack prints one row per tactic with
// each technique and its rules, in 80 columns; --output json says the
// same; a rule file's rule joins the matrix under its tactic.
func TestRulesListAttack(t *testing.T) {
	r := run(t, []string{"COLUMNS=80"}, "rules", "list", "--attack")
	if r.code != 0 {
		t.Fatalf("rules list --attack: %+v", r)
	}
	for _, want := range []string{"EXECUTION (TA0002): ", "\n  T1059.004  ", "shell-from-server", "RECONNAISSANCE (TA0043): no rule", "PERSISTENCE (TA0003): ", "T1053.003  persistence-write (Cron)", "of 14 tactics covered"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("rules list --attack lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if width(l) > 80 {
			t.Errorf("line of %d columns: %q", width(l), l)
		}
	}
	dir := t.TempDir()
	extra := filepath.Join(dir, "extra.yaml")
	os.WriteFile(extra, []byte(`rules:
  - id: ssh-hop
    severity: WARNING
    description: ssh to another host
    tags: [T1021.004]
    tactics: [lateral-movement]
    syscalls: [execve]
    condition: {exec.argv0: ssh}
`), 0o644)
	r = run(t, nil, "rules", "list", "--attack", "--output", "json", "--rules", extra)
	var got struct {
		Tactics []rules.TacticCoverage `json:"tactics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil || len(got.Tactics) != len(rules.Tactics) {
		t.Fatalf("rules list --attack --output json: %v %+v", err, r)
	}
	cell := func(tactic, technique string) []string {
		for _, row := range got.Tactics {
			for _, tc := range row.Techniques {
				if row.Short == tactic && tc.ID == technique {
					return tc.Rules
				}
			}
		}
		return nil
	}
	if rs := cell("lateral-movement", "T1021.004"); !slices.Contains(rs, "ssh-hop") {
		t.Errorf("lateral-movement x T1021.004: %q", rs)
	}
	if rs := cell("credential-access", "T1003.008"); strings.Join(rs, ",") != "read-shadow" {
		t.Errorf("credential-access x T1003.008: %q", rs)
	}
	r = run(t, nil, "rules", "list", "--output", "json")
	var list []struct {
		ID      string   `json:"id"`
		Tactics []string `json:"tactics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); r.code != 0 || err != nil || len(list) == 0 || list[0].ID == "" || len(list[0].Tactics) == 0 {
		t.Fatalf("rules list --output json: %v %+v", err, r)
	}
	wantError(t, run(t, nil, "rules", "list", "--attack", "--output", "yaml"), `unknown --output "yaml"`)
}

// TestAlertLogFlags checks the --log and --cooldown flags detect will use.
func TestAlertLogFlags(t *testing.T) {
	dir := t.TempDir()
	open := func(args ...string) error {
		app := &cli.App{Flags: alertLogFlags(), Action: func(c *cli.Context) error {
			l, err := openAlertLog(c, nil)
			if err != nil || l == nil {
				return err
			}
			if err := l.Alert(rules.LogAlert{Rule: "read-shadow", Severity: rules.Warning, Sample: "/s"}); err != nil {
				return err
			}
			return l.Close()
		}}
		return app.Run(append([]string{"detector"}, args...))
	}
	name := filepath.Join(dir, "alerts.jsonl")
	if err := open("--log", name); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil || !strings.Contains(string(b), `"rule":"read-shadow"`) || !strings.Contains(string(b), `"tool":"detector"`) {
		t.Fatalf("log %q: %v", b, err)
	}
	if err := open("--log", name, "--cooldown", "0s"); err == nil || !strings.Contains(err.Error(), "--cooldown must be positive") {
		t.Errorf("zero cooldown: %v", err)
	}
	if err := open("--log", dir); err == nil || !strings.Contains(err.Error(), "open alert log") {
		t.Errorf("folder as log: %v", err)
	}
	if err := open(); err != nil {
		t.Errorf("no log: %v", err)
	}
}
