package rules

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// DpkgInfoDir is where Debian keeps each package's file list (*.list) and
// digests (*.md5sums).
const DpkgInfoDir = "/var/lib/dpkg/info"

// Bounds on what a PackageDB reads.
const (
	maxDpkgFiles   = 20000     // *.list files read (at most 1<<pkgBits)
	maxDpkgEntries = 2000000   // paths kept
	maxDpkgBytes   = 1 << 30   // bytes read from the lists in all
	maxSumsBytes   = 64 << 20  // bytes read from one *.md5sums file
	maxMD5Bytes    = 512 << 20 // bytes of an executable hashed
	maxPkgCache    = 4096      // answers kept
	maxDpkgLine    = 64 << 10  // longer lines are skipped
)

// pkgBits is how many low bits of an entry name its package.
const pkgBits = 16

// PackageDB answers "does an installed package own this executable, and
// is it as the package shipped it" from Debian's package database. It
// reads the packages' file lists lazily, once, on the first question,
// within fixed bounds, and a package's digests (*.md5sums) when a file of
// it is asked about; on a machine without the database (not Debian)
// nothing is unowned or modified, as nothing can be told. The files asked
// about are those of this machine: replaying a trace recorded elsewhere
// answers for this machine's files. It is safe for concurrent use.
//
// The lists name some 150,000 paths, which as strings cost a tenth of a
// second and tens of megabytes to load. Each is kept instead as one
// number: a 48-bit hash of the path, under a seed chosen at random for
// each process, and the package's index below it. A path no package
// lists passes for a listed one only if its hash collides with one of
// theirs (about one chance in 10^9 for a given path), which nobody can
// aim at without the seed; the digest is then looked up by the path
// itself, so a collision never makes a changed file pass for intact.
type PackageDB struct {
	dir  string
	once sync.Once

	seed    maphash.Seed
	entries []uint64 // hash<<pkgBits | package index, sorted
	lists   []string // the *.list files, by package index
	ok      bool     // the database was found

	// cache holds the answers given since it was last full, old those
	// of before: an answer asked again moves back into cache, so that a
	// host's many one-off executables (a test's temporary programs) push
	// out no answer still in use.
	mu         sync.Mutex
	cache, old map[string]pkgAnswer
}

// pkgAnswer is Check's answer for a path, good while the file it names
// is the same: same device, inode, size, modification and change times.
type pkgAnswer struct {
	id                fileID
	unowned, modified bool
}

type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime syscall.Timespec
}

// idOf identifies the file path names now (symlinks followed).
func idOf(path string) (id fileID, ok bool) {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return id, false
	}
	return fileID{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}, true
}

// NewPackageDB returns a database read from dir (DpkgInfoDir when "").
func NewPackageDB(dir string) *PackageDB {
	if dir == "" {
		dir = DpkgInfoDir
	}
	return &PackageDB{dir: dir, seed: maphash.MakeSeed()}
}

// Preload starts reading the database in the background, so that the
// first Check, usually a program's first exec, does not wait for it.
func (db *PackageDB) Preload() { go db.once.Do(db.load) }

func (db *PackageDB) load() {
	lists, _ := filepath.Glob(filepath.Join(db.dir, "*.list"))
	db.ok = len(lists) > 0
	if len(lists) > maxDpkgFiles {
		lists = lists[:maxDpkgFiles]
	}
	db.lists = lists
	budget := int64(maxDpkgBytes)
	var buf []byte
	for pkg, name := range lists {
		if budget <= 0 {
			break
		}
		var err error
		if buf, err = readBounded(buf[:0], name, budget); err != nil {
			continue
		}
		budget -= int64(len(buf))
		eachLine(buf, func(line []byte) {
			if line[0] == '/' && len(db.entries) < maxDpkgEntries {
				db.entries = append(db.entries, maphash.Bytes(db.seed, line)<<pkgBits|uint64(pkg))
			}
		})
	}
	slices.Sort(db.entries)
	db.entries = slices.Compact(db.entries)
}

// readBounded appends to b what the regular file name holds, at most max
// bytes.
func readBounded(b []byte, name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return b, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return b, err
	}
	if !st.Mode().IsRegular() {
		return b, fmt.Errorf("%s: not a regular file", name)
	}
	if n := min(st.Size(), max) + 512; int64(cap(b)-len(b)) < n {
		b = slices.Grow(b, int(n))
	}
	r := io.LimitReader(f, max)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 4096)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// eachLine calls fn with each non-empty line of b (at most maxDpkgLine
// bytes; longer ones are skipped).
func eachLine(b []byte, fn func(line []byte)) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > 0 && len(line) <= maxDpkgLine {
			fn(line)
		}
	}
}

// packages returns the packages whose lists name path (by its hash).
func (db *PackageDB) packages(path string) []int {
	h := maphash.String(db.seed, path) << pkgBits
	i, _ := slices.BinarySearch(db.entries, h)
	var out []int
	for ; i < len(db.entries) && db.entries[i]>>pkgBits == h>>pkgBits; i++ {
		out = append(out, int(db.entries[i]&(1<<pkgBits-1)))
	}
	return out
}

// digest returns path's MD5 as package pkg's *.md5sums lists it.
func (db *PackageDB) digest(pkg int, path string) (sum [md5.Size]byte, ok bool) {
	name := strings.TrimSuffix(db.lists[pkg], ".list") + ".md5sums"
	b, err := readBounded(nil, name, maxSumsBytes)
	if err != nil {
		return sum, false
	}
	eachLine(b, func(line []byte) {
		// "d41d8cd98f00b204e9800998ecf8427e  usr/bin/x"
		if ok || len(line) < 35 || line[32] != ' ' {
			return
		}
		if p := bytes.TrimLeft(line[33:], " "); len(p)+1 == len(path) && string(p) == path[1:] {
			_, err := hex.Decode(sum[:], line[:32])
			ok = err == nil
		}
	})
	return sum, ok
}

// Check reports whether no package owns path (unowned) or the file's MD5
// differs from its package's record (modified). Paths are compared as
// given, through their /usr-merge twin (/bin/x and /usr/bin/x) and through
// their symbolic links resolved on this machine. An answer is kept for
// as long as the file is the same (device, inode, size, modification and
// change times), so that an executable run again is not digested again,
// and one changed or replaced since is.
func (db *PackageDB) Check(path string) (unowned, modified bool) {
	db.once.Do(db.load)
	id, idOK := idOf(path)
	db.mu.Lock()
	r, ok := db.cache[path]
	if !ok {
		if r, ok = db.old[path]; ok && idOK && r.id == id {
			db.keep(path, r)
		}
	}
	db.mu.Unlock()
	if ok && idOK && r.id == id {
		return r.unowned, r.modified
	}
	unowned, modified = db.check(path)
	if !idOK {
		return unowned, modified
	}
	db.mu.Lock()
	db.keep(path, pkgAnswer{id: id, unowned: unowned, modified: modified})
	db.mu.Unlock()
	return unowned, modified
}

// keep puts an answer in the cache; a full cache becomes the old one.
// db.mu is held.
func (db *PackageDB) keep(path string, r pkgAnswer) {
	if db.cache == nil || len(db.cache) >= maxPkgCache/2 {
		db.old, db.cache = db.cache, map[string]pkgAnswer{}
	}
	db.cache[strings.Clone(path)] = r
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
		pkgs := db.packages(c)
		if len(pkgs) == 0 {
			continue
		}
		for _, pkg := range pkgs {
			if want, ok := db.digest(pkg, c); ok {
				got, ok := fileMD5(path)
				return false, ok && got != want
			}
		}
		return false, false // listed without a digest
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

// fileMD5 returns the MD5 of the regular file p (of its first
// maxMD5Bytes); ok is false when it cannot be read.
func fileMD5(p string) (sum [md5.Size]byte, ok bool) {
	f, err := os.Open(p)
	if err != nil {
		return sum, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return sum, false
	}
	h := md5.New()
	if _, err := io.Copy(h, io.LimitReader(f, maxMD5Bytes)); err != nil {
		return sum, false
	}
	h.Sum(sum[:0])
	return sum, true
}
