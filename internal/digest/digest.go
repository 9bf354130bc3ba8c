// Package digest computes the SHA-256 of files named by paths the tool
// does not control (executables of traced processes, samples): it reads
// regular files alone (safefile.Open: never a FIFO or a device, which
// would block or never end), and a Cache computes a file's digest again
// once the file changed.
package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"
	"syscall"

	"detector/internal/safefile"
)

// MaxBytes bounds the file a Cache computes the digest of; a larger one
// has none.
const MaxBytes = 1 << 30

// maxEntries bounds the digests a Cache remembers.
const maxEntries = 1 << 14

// fileID tells whether the file at a path is still the one digested.
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds
}

type entry struct {
	id  fileID
	hex string
}

// Cache computes the SHA-256 of files of at most MaxBytes, each file once
// while it is unchanged (same device, inode, size and times). The zero
// value is ready to use; it is safe for concurrent use.
type Cache struct {
	mu   sync.Mutex
	seen map[string]entry
}

// SHA256 returns the hex SHA-256 of the regular file at path, "" when it
// cannot be read, is too large or changed while it was read.
func (c *Cache) SHA256(path string) string {
	f, err := safefile.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Size > MaxBytes {
		return ""
	}
	id := fileID{uint64(st.Dev), st.Ino, st.Size, st.Mtim.Nano(), st.Ctim.Nano()}
	c.mu.Lock()
	e, ok := c.seen[path]
	c.mu.Unlock()
	if ok && e.id == id {
		return e.hex
	}
	sum, n, err := sum(io.LimitReader(f, MaxBytes+1))
	if err != nil || n != st.Size {
		return "" // changed while read
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]entry{}
	}
	if _, ok := c.seen[path]; ok || len(c.seen) < maxEntries {
		c.seen[path] = entry{id, sum}
	}
	return sum
}

// File returns the hex SHA-256 of the whole regular file at path, "" when
// it cannot be read.
func File(path string) string {
	f, err := safefile.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s, _, err := sum(f)
	if err != nil {
		return ""
	}
	return s
}

// sum is the hex SHA-256 of what r holds, and its length.
func sum(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
