package rules

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// DpkgInfoDir is where Debian keeps each package's file list (*.list) and
// digests (*.md5sums).
const DpkgInfoDir = "/var/lib/dpkg/info"

// Bounds on what a PackageDB reads.
const (
	maxDpkgFiles   = 20000     // *.list and *.md5sums files read
	maxDpkgEntries = 2000000   // paths kept
	maxDpkgBytes   = 1 << 30   // bytes read from the database in all
	maxMD5Bytes    = 512 << 20 // bytes of an executable hashed
	maxPkgCache    = 4096      // answers kept
)

// PackageDB answers "does an installed package own this executable, and
// is it as the package shipped it" from Debian's package database. It
// reads the database lazily, once, on the first question, within fixed
// bounds; on a machine without it (not Debian) nothing is unowned or
// modified, as nothing can be told. The files asked about are those of this machine:
// replaying a trace recorded elsewhere answers for this machine's files.
// It is safe for concurrent use.
type PackageDB struct {
	dir  string
	once sync.Once

	owned map[string]string // path -> md5 hex, "" when the package lists no digest
	ok    bool              // the database was found

	mu    sync.Mutex
	cache map[string][2]bool
}

// NewPackageDB returns a database read from dir (DpkgInfoDir when "").
func NewPackageDB(dir string) *PackageDB {
	if dir == "" {
		dir = DpkgInfoDir
	}
	return &PackageDB{dir: dir}
}

func (db *PackageDB) load() {
	db.owned = map[string]string{}
	lists, _ := filepath.Glob(filepath.Join(db.dir, "*.list"))
	sums, _ := filepath.Glob(filepath.Join(db.dir, "*.md5sums"))
	db.ok = len(lists) > 0
	budget := int64(maxDpkgBytes)
	nfiles := 0
	read := func(name string, fn func(line string)) {
		if nfiles >= maxDpkgFiles || budget <= 0 {
			return
		}
		nfiles++
		f, err := os.Open(name)
		if err != nil {
			return
		}
		defer f.Close()
		lr := &io.LimitedReader{R: f, N: budget}
		sc := bufio.NewScanner(lr)
		sc.Buffer(make([]byte, 0, 4096), 64<<10)
		for sc.Scan() {
			fn(sc.Text())
		}
		budget = lr.N
	}
	for _, l := range lists {
		read(l, func(line string) {
			if strings.HasPrefix(line, "/") && len(db.owned) < maxDpkgEntries {
				if _, ok := db.owned[line]; !ok {
					db.owned[line] = ""
				}
			}
		})
	}
	for _, s := range sums {
		read(s, func(line string) {
			// "d41d8cd98f00b204e9800998ecf8427e  usr/bin/x"
			if len(line) < 35 || line[32] != ' ' {
				return
			}
			p := "/" + strings.TrimLeft(line[33:], " ")
			if _, ok := db.owned[p]; ok || len(db.owned) < maxDpkgEntries {
				db.owned[p] = line[:32]
			}
		})
	}
}

// Check reports whether no package owns path (unowned) or the file's MD5
// differs from its package's record (modified). Paths are compared as
// given, through their /usr-merge twin (/bin/x and /usr/bin/x) and through
// their symbolic links resolved on this machine.
func (db *PackageDB) Check(path string) (unowned, modified bool) {
	db.once.Do(db.load)
	db.mu.Lock()
	if r, ok := db.cache[path]; ok {
		db.mu.Unlock()
		return r[0], r[1]
	}
	db.mu.Unlock()
	unowned, modified = db.check(path)
	db.mu.Lock()
	if db.cache == nil {
		db.cache = map[string][2]bool{}
	}
	if len(db.cache) < maxPkgCache {
		db.cache[strings.Clone(path)] = [2]bool{unowned, modified}
	}
	db.mu.Unlock()
	return unowned, modified
}

func (db *PackageDB) check(path string) (unowned, modified bool) {
	if !db.ok {
		return false, false
	}
	cands := []string{path, usrMergeTwin(path)}
	if real, err := filepath.EvalSymlinks(path); err == nil && real != path {
		cands = append(cands, real, usrMergeTwin(real))
	}
	for _, c := range cands {
		sum, ok := db.owned[c]
		if !ok {
			continue
		}
		if sum == "" {
			return false, false
		}
		got := fileMD5(path)
		return false, got != "" && got != sum
	}
	return true, false
}

// usrMergeTwin maps /bin, /sbin and /lib* paths to /usr and back.
func usrMergeTwin(p string) string {
	for _, d := range []string{"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"} {
		if strings.HasPrefix(p, d) {
			return "/usr" + p
		}
		if strings.HasPrefix(p, "/usr"+d) {
			return p[len("/usr"):]
		}
	}
	return p
}

func fileMD5(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	h := md5.New()
	if _, err := io.Copy(h, io.LimitReader(f, maxMD5Bytes)); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}
