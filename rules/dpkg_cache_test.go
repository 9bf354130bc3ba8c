package rules_test

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"detector/rules"
)

// Check's answer is kept while the file is the same: an executable
// changed after it was checked (same path, new contents), or replaced by
// another file, is checked again and found modified.
func TestPackageDBChangedAfterCheck(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info")
	os.Mkdir(info, 0o755)
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("program "+p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sa, sb := md5.Sum([]byte("program "+a)), md5.Sum([]byte("program "+b))
	os.WriteFile(filepath.Join(info, "pkg.list"), []byte(a+"\n"+b+"\n"), 0o644)
	os.WriteFile(filepath.Join(info, "pkg.md5sums"), []byte(hex.EncodeToString(sa[:])+"  "+a[1:]+"\n"+hex.EncodeToString(sb[:])+"  "+b[1:]+"\n"), 0o644)
	db := rules.NewPackageDB(info)
	for _, p := range []string{a, b} {
		if u, m := db.Check(p); u || m {
			t.Fatalf("%s as shipped: unowned %v, modified %v", p, u, m)
		}
	}
	// a changed in place; b replaced by a new file (a new inode).
	if err := os.WriteFile(a, []byte("changed program "+a), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b+".new", []byte("other program "+b), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(b+".new", b); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, b} {
		if u, m := db.Check(p); u || !m {
			t.Errorf("%s changed after a check: unowned %v, modified %v; want modified", p, u, m)
		}
	}
}
