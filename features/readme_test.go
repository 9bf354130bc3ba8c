package features

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's category table from the code")

const readme = "../README.md"

// categoryTable renders the category table as the README shows it.
func categoryTable() string {
	var b strings.Builder
	b.WriteString("| category | system calls |\n|---|---|\n")
	for c := File; c <= Security; c++ {
		fmt.Fprintf(&b, "| %s | %s |\n", c, strings.Join(CategoryNames(c), ", "))
	}
	return b.String()
}

// TestREADMECategories keeps the README's category table equal to the
// table the code uses. Run with -update after changing the categories.
func TestREADMECategories(t *testing.T) {
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Skipf("no README beside the package: %v", err)
	}
	begin, end := []byte("<!-- categories:begin -->\n"), []byte("<!-- categories:end -->")
	i, j := bytes.Index(data, begin), bytes.Index(data, end)
	if i < 0 || j < i {
		t.Fatal("README lacks the categories:begin / categories:end markers")
	}
	i += len(begin)
	want := categoryTable()
	if string(data[i:j]) == want {
		return
	}
	if !*update {
		t.Fatal("README's category table differs from the code; run go test ./features -run TestREADMECategories -update")
	}
	out := append(append(append([]byte{}, data[:i]...), want...), data[j:]...)
	if err := os.WriteFile(readme, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
