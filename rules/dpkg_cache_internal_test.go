package rules

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// An answer in use survives the many one-off executables of a busy host
// (a test's temporary programs): after more distinct paths than the
// cache holds, a path asked about all along is still kept.
func TestPackageDBKeepsAnswersInUse(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	if err := os.WriteFile(a, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	db := NewPackageDB(filepath.Join(dir, "none"))
	for i := range 3 * maxPkgCache {
		p := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		db.Check(p)
		if i%(maxPkgCache/8) == 0 {
			db.Check(a)
		}
	}
	_, inCache := db.cache[a]
	_, inOld := db.old[a]
	if !inCache && !inOld {
		t.Errorf("the answer for %s, asked about all along, was pushed out", a)
	}
	if n := len(db.cache) + len(db.old); n > maxPkgCache {
		t.Errorf("%d answers kept, more than %d", n, maxPkgCache)
	}
}
