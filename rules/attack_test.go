package rules_test

import (
	"strings"
	"testing"

	"detector/rules"
)

// TestDefaultRulesAttack: every default rule names ATT&CK techniques the
// catalogue knows and tactics those techniques belong to, and each of its
// techniques falls under one of its tactics.
func TestDefaultRulesAttack(t *testing.T) {
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range set.AttackProblems() {
		t.Error(p)
	}
	// Every rule is somewhere in the matrix.
	seen := map[string]bool{}
	for _, row := range set.Coverage() {
		for _, tc := range row.Techniques {
			if tc.Name == "" {
				t.Errorf("%s under %s has no name", tc.ID, row.Short)
			}
			for _, id := range tc.Rules {
				seen[id] = true
			}
		}
	}
	for _, r := range set.Active() {
		if !seen[r.ID] {
			t.Errorf("rule %s is in no cell of the coverage matrix", r.ID)
		}
	}
}

func TestTechniqueCatalogue(t *testing.T) {
	if n, ok := rules.TechniqueName("T1059.004"); !ok || n != "Command and Scripting Interpreter: Unix Shell" {
		t.Errorf("T1059.004: %q %v", n, ok)
	}
	if got := rules.TechniqueTactics("T1053.003"); strings.Join(got, " ") != "execution persistence privilege-escalation" {
		t.Errorf("T1053.003's tactics %v", got)
	}
	if _, ok := rules.TechniqueName("T1022"); ok {
		t.Error("T1022 (revoked: Data Encrypted) is in the catalogue")
	}
	// Every sub-technique's technique is there, with the same tactics.
	for _, id := range rules.TechniqueIDs() {
		parent, _, sub := strings.Cut(id, ".")
		if !sub {
			continue
		}
		if _, ok := rules.TechniqueName(parent); !ok {
			t.Errorf("%s: no technique %s", id, parent)
		} else if a, b := rules.TechniqueTactics(id), rules.TechniqueTactics(parent); strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%s's tactics %v, %s's %v", id, a, parent, b)
		}
	}
	for _, tac := range rules.Tactics {
		if !strings.HasPrefix(tac.ID, "TA00") || tac.Short != strings.ToLower(strings.ReplaceAll(tac.Name, " ", "-")) {
			t.Errorf("tactic %+v", tac)
		}
	}
}

// TestCoverage: a rule file's techniques land under the rule's tactics
// they belong to; one without tactics gets its techniques'; an unknown
// technique goes under the rule's tactics; a bad tactic is an error that
// names the line.
func TestCoverage(t *testing.T) {
	set := rules.NewSet()
	const file = `
rules:
  - id: a
    severity: WARNING
    description: a
    tags: [T1053.003, T9999]
    tactics: [persistence]
    syscalls: [openat]
    condition: {path: /x}
  - id: b
    severity: INFO
    description: b
    tags: [T1105]
    syscalls: [connect]
    condition: {sock.port: 1}
`
	if err := set.Load("t.yaml", []byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := set.Compile(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, row := range set.Coverage() {
		for _, tc := range row.Techniques {
			got[row.Short] += tc.ID + ":" + strings.Join(tc.Rules, ",") + " "
		}
	}
	want := map[string]string{"persistence": "T1053.003:a T9999:a ", "command-and-control": "T1105:b "}
	if len(got) != len(want) || got["persistence"] != want["persistence"] || got["command-and-control"] != want["command-and-control"] {
		t.Errorf("coverage %q, want %q", got, want)
	}
	if ps := set.AttackProblems(); len(ps) != 1 || !strings.Contains(ps[0], "T9999 is not in the catalogue") {
		t.Errorf("problems %q", ps)
	}
	bad := rules.NewSet()
	err := bad.Load("bad.yaml", []byte("rules:\n  - id: c\n    tactics: [execution, stealthy]\n"))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:3") || !strings.Contains(err.Error(), `"stealthy" is not an ATT&CK tactic`) {
		t.Errorf("bad tactic: %v", err)
	}
}
