package rules

import "testing"

func TestIsBuilder(t *testing.T) {
	for exe, want := range map[string]bool{
		"/usr/bin/ld":                                   true,
		"/usr/bin/x86_64-linux-gnu-ld.bfd":              true,
		"/usr/libexec/gcc/x86_64-linux-gnu/12/collect2": true,
		"/usr/lib/go/pkg/tool/linux_amd64/link":         true,
		"/usr/local/go/bin/go":                          true,
		"/usr/bin/curl":                                 false,
		"/usr/bin/cc":                                   false,
		"/tmp/x-":                                       false,
		"":                                              false,
	} {
		if got := isBuilder(exe); got != want {
			t.Errorf("isBuilder(%q) = %v, want %v", exe, got, want)
		}
	}
}
