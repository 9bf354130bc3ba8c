package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"
	"syscall"

	"detector/internal/safefile"
)

// MaxDigestBytes bounds the executable a digest is computed of; a larger
// one has no digest (observe.DigestKey's "?").
const MaxDigestBytes = 1 << 30

// maxDigests bounds the digests a run remembers.
const maxDigests = 1 << 14

// fileID tells whether the file at a path is still the one digested.
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds
}

// digester computes the SHA-256 of executables (observe.Recorder.Digest)
// for all the samples of a run, each file once while it is unchanged. It
// reads only regular files (safefile.Open: never a FIFO or a device) of at
// most MaxDigestBytes.
type digester struct {
	mu   sync.Mutex
	seen map[string]struct {
		id  fileID
		hex string
	}
}

// Digest returns the hex SHA-256 of the regular file at path, "" when it
// cannot be read or is too large.
func (d *digester) Digest(path string) string {
	f, err := safefile.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil || st.Size > MaxDigestBytes {
		return ""
	}
	id := fileID{uint64(st.Dev), st.Ino, st.Size, st.Mtim.Nano(), st.Ctim.Nano()}
	d.mu.Lock()
	if e, ok := d.seen[path]; ok && e.id == id {
		d.mu.Unlock()
		return e.hex
	}
	d.mu.Unlock()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, MaxDigestBytes+1))
	if err != nil || n != st.Size {
		return "" // changed while read
	}
	sum := hex.EncodeToString(h.Sum(nil))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]struct {
			id  fileID
			hex string
		}{}
	}
	if len(d.seen) < maxDigests {
		d.seen[path] = struct {
			id  fileID
			hex string
		}{id, sum}
	}
	return sum
}
