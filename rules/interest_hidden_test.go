package rules

import (
	"slices"
	"testing"
)

// The hidden names the default rules read in read-only opens are those
// of their credential globs, never ".cache" or ".git" (a build's or a
// repository's files); a rule file's glob adds its own, the start of
// names where a wildcard cuts one.
func TestOpenHidden(t *testing.T) {
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	names := d.OpenHidden()
	for _, n := range []string{".ssh", ".aws", ".config", ".netrc", ".gnupg"} {
		if !slices.Contains(names, n) {
			t.Errorf("default rules: %q missing from %q", n, names)
		}
	}
	for _, n := range []string{".cache", ".git", ".local/share"} {
		if slices.Contains(names, n) {
			t.Errorf("default rules: %q in %q", n, names)
		}
	}
	for _, c := range []struct {
		glob string
		want string
	}{
		{"*/.vault/x", ".vault"},
		{"*/.msal*cache", ".msal*"},
		{"*/.tok?n", ".tok*"},
		{"*/.pgpass2", ".pgpass2"},
	} {
		s := loadYAML(t, "rules:\n  - id: t\n    severity: WARNING\n    description: d\n    syscalls: [openat]\n    condition: {path: {glob: \""+c.glob+"\"}}\n    output: o\n")
		if got := s.OpenHidden(); !slices.Contains(got, c.want) {
			t.Errorf("%s: hidden names %q, want %q among them", c.glob, got, c.want)
		}
	}
	// A rule not on opens adds nothing.
	s := loadYAML(t, "rules:\n  - id: t\n    severity: WARNING\n    description: d\n    syscalls: [unlink]\n    condition: {path: {glob: \"*/.zz/x\"}}\n    output: o\n")
	if slices.Contains(s.OpenHidden(), ".zz") {
		t.Errorf("a rule on unlink adds its hidden name")
	}
}
